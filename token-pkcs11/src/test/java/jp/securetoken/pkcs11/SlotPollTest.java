package jp.securetoken.pkcs11;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import jp.securetoken.api.TokenDescriptor;
import jp.securetoken.api.TokenEvent;
import org.junit.jupiter.api.Test;

/**
 * Insert/remove detection by polling, on a changing slot list. (SoftHSM2's slots never change while
 * the library is loaded, so the changes here come from a scripted list.)
 */
class SlotPollTest {
    private static final TokenDescriptor CARD = new TokenDescriptor(URI.create("pkcs11:token=hpki;serial=01"), "hpki",
            "reader 0");
    private static final TokenDescriptor USB = new TokenDescriptor(URI.create("pkcs11:token=usb;serial=02"), "usb",
            "slot 1");

    @Test
    void reportsTokensArrivingAndLeavingOncePerChange() throws Exception {
        AtomicReference<List<TokenDescriptor>> present = new AtomicReference<>(List.of(CARD));
        List<TokenEvent> events = new CopyOnWriteArrayList<>();
        try (SlotPoll poll = new SlotPoll(present::get, events::add, Duration.ofMillis(10))) {
            present.set(List.of(CARD, USB));
            await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 1);
            present.set(List.of(USB));
            await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 2);
            await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2)).until(() -> events.size() == 2);
        }
        assertEquals(TokenEvent.Type.INSERTED, events.get(0).type());
        assertEquals("usb", events.get(0).label());
        assertEquals(TokenEvent.Type.REMOVED, events.get(1).type());
        assertEquals(CARD.uri(), events.get(1).uri());
    }

    @Test
    void aFailingListenerDoesNotStopTheWatch() throws Exception {
        AtomicReference<List<TokenDescriptor>> present = new AtomicReference<>(List.of());
        List<TokenEvent> events = new CopyOnWriteArrayList<>();
        try (SlotPoll poll = new SlotPoll(present::get, e -> {
            events.add(e);
            throw new IllegalStateException("listener bug");
        }, Duration.ofMillis(10))) {
            present.set(List.of(CARD));
            await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 1);
            present.set(List.of());
            await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 2);
        }
    }

    @Test
    void withSlotEventsTheSlotListIsReadOnlyAfterAnEvent() throws Exception {
        AtomicReference<List<TokenDescriptor>> present = new AtomicReference<>(List.of(CARD));
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean event = new java.util.concurrent.atomic.AtomicBoolean();
        List<TokenEvent> events = new CopyOnWriteArrayList<>();
        try (SlotPoll poll = new SlotPoll(() -> {
            reads.incrementAndGet();
            return present.get();
        }, () -> event.getAndSet(false), events::add, Duration.ofMillis(10))) {
            present.set(List.of(CARD, USB));
            await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2)).until(() -> reads.get() == 1);
            event.set(true);
            await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 1);
            assertEquals(2, reads.get());
        }
        assertEquals(TokenEvent.Type.INSERTED, events.get(0).type());
    }
}
