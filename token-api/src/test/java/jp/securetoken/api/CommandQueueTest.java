package jp.securetoken.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CommandQueueTest {

    @Test
    void commandsFromManyThreadsNeverOverlap() throws Exception {
        try (CommandQueue queue = new CommandQueue("t")) {
            AtomicInteger running = new AtomicInteger();
            AtomicInteger maxRunning = new AtomicInteger();
            List<CompletableFuture<Integer>> futures = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Thread t = new Thread(() -> {
                    for (int j = 0; j < 50; j++) {
                        CompletableFuture<Integer> f = queue.submit(() -> {
                            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                            Thread.onSpinWait();
                            return running.decrementAndGet();
                        });
                        synchronized (futures) {
                            futures.add(f);
                        }
                    }
                });
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
            for (CompletableFuture<Integer> f : futures) {
                f.get(10, TimeUnit.SECONDS);
            }
            assertEquals(400, futures.size());
            assertEquals(1, maxRunning.get());
        }
    }

    @Test
    void aCommandMayCallTheQueueAgainWithoutDeadlock() throws Exception {
        try (CommandQueue queue = new CommandQueue("t")) {
            assertEquals("inner", queue.call(() -> queue.call(() -> "inner")));
        }
    }

    @Test
    void aTokenExceptionArrivesAsItself() {
        try (CommandQueue queue = new CommandQueue("t")) {
            PinIncorrectException thrown = new PinIncorrectException(PinRole.USER, 2);
            PinIncorrectException caught = assertThrows(PinIncorrectException.class, () -> queue.call(() -> {
                throw thrown;
            }));
            assertSame(thrown, caught);
            assertEquals(2, caught.retriesLeft());
        }
    }

    @Test
    void aClosedQueueRefusesWithTokenClosed() {
        CommandQueue queue = new CommandQueue("t");
        queue.close();
        assertThrows(TokenClosedException.class, () -> queue.call(() -> 1));
    }

    @Test
    void queuedCommandsStillRunAfterClose() throws Exception {
        CommandQueue queue = new CommandQueue("t");
        CountDownLatch gate = new CountDownLatch(1);
        CompletableFuture<Void> first = queue.submit(() -> {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
        CompletableFuture<String> second = queue.submit(() -> "done");
        queue.close();
        gate.countDown();
        await().atMost(Duration.ofSeconds(5)).until(second::isDone);
        assertEquals("done", second.get());
        first.get();
    }
}
