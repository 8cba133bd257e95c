package jp.securetoken.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testsupport.InstrumentedKey;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two gateway instances of one fleet (native stack) sharing session-ticket keys from a directory:
 * a clinic that met one resumes at the other with no token signature; keys rotate with a grace
 * period; a gateway outside the fleet cannot open the fleet's tickets.
 */
class FleetResumptionTest extends LoopbackNodesTest {
    /** The name the clinics know the fleet by (the load balancer's address); their sessions are filed under it. */
    private static final String FLEET = "gateway.fleet.example";
    private static final Duration GRACE = Duration.ofMinutes(10);
    private static final Instant T0 = Instant.parse("2026-12-01T08:00:00Z");

    private final SettableClock clock = new SettableClock(T0);
    private Path keys;
    private SecureToken gateway;
    private SecureToken clinic;

    @BeforeEach
    void fleet() throws Exception {
        keys = Files.createDirectory(dir.resolve("ticket-keys"));
        writeKey("2026-12-01T0800.key", T0);
        gateway = nodes.node("gateway", KeyAlgorithm.EC_P256, pki, i -> i.serverAuth().clientAuth());
        clinic = nodes.node("clinic-001", KeyAlgorithm.EC_P256, pki, i -> i.clientAuth());
    }

    @ParameterizedTest
    @CsvSource({"JDK, false", "OPENSSL, false", "JDK, true"})
    void aClinicResumesAtEitherGatewayOfTheFleetWithoutTokenSignatures(TlsStack clientStack, boolean pkcs1Card)
            throws Exception {
        Instance a = instance(keys);
        Instance b = instance(keys);
        SecureToken node = pkcs1Card ? nodes.node("clinic-card", KeyAlgorithm.RSA_2048, pki, i -> i.clientAuth()) : clinic;
        InstrumentedKey clinicKey = pkcs1Card ? InstrumentedKey.pkcs1Only(node.credential(TestNodes.ALIAS).key())
                : InstrumentedKey.counting(node.credential(TestNodes.ALIAS).key());
        NodeTlsContext client = nodes.track(NodeTls.client(clinicKey.source(node.credential(TestNodes.ALIAS)))
                .trustPolicy(trust).stack(clientStack).build());

        for (int i = 0; i < 6; i++) {
            assertEquals(pkcs1Card ? "TLSv1.2" : "TLSv1.3", visit(client, i % 2 == 0 ? a : b));
        }
        assertEquals(1, a.key.signatures(), "gateway A signs the first handshake only");
        assertEquals(0, b.key.signatures(), "gateway B resumes the sessions A began");
        assertEquals(1, clinicKey.signatures(), "the clinic's token signs once over 6 connections");
    }

    @Test
    void aGatewayOutsideTheFleetCannotOpenTheFleetsTickets() throws Exception {
        Path otherKeys = Files.createDirectory(dir.resolve("other-keys"));
        Files.write(otherKeys.resolve("k.key"), random48());
        Instance a = instance(keys);
        Instance stranger = instance(otherKeys);
        NodeTlsContext client = clinicContext();

        visit(client, a);
        visit(client, stranger);
        assertEquals(1, stranger.key.signatures(), "a full handshake: the stranger's keys open no fleet ticket");
    }

    @Test
    void afterARotationTicketsOfTheOldKeyResumeDuringTheGracePeriodAndNotAfter() throws Exception {
        Instance a = instance(keys);
        Instance b = instance(keys);
        NodeTlsContext early = clinicContext();
        NodeTlsContext late = clinicContext();
        visit(early, a);
        visit(late, a);
        assertEquals(2, a.key.signatures());

        Instant rotated = T0.plus(Duration.ofHours(1));
        writeKey("2026-12-01T0900.key", rotated);
        clock.set(rotated.plus(GRACE).minusSeconds(1));
        a.context.reloadSessionTicketKeys();
        b.context.reloadSessionTicketKeys();
        visit(early, b);
        assertEquals(0, b.key.signatures(), "within the grace period the old key still opens its tickets");

        clock.set(rotated.plus(GRACE).plusSeconds(1));
        a.context.reloadSessionTicketKeys();
        b.context.reloadSessionTicketKeys();
        visit(late, b);
        assertEquals(1, b.key.signatures(), "after the grace period a ticket of the old key means a full handshake");
    }

    @Test
    void aKeyFileOfTheWrongSizeIsRefusedWithItsName() throws Exception {
        Files.write(keys.resolve("short.key"), new byte[32]);
        SessionTicketKeys.TicketKeyException e = assertThrows(SessionTicketKeys.TicketKeyException.class,
                () -> instance(keys));
        assertTrue(e.getMessage().contains("short.key") && e.getMessage().contains("48"), e.getMessage());
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThrows(SessionTicketKeys.TicketKeyException.class, () -> instance(empty));
    }

    private record Instance(NodeTlsContext context, Peers.Server server, InstrumentedKey key) {
    }

    private Instance instance(Path keyDir) throws Exception {
        InstrumentedKey key = InstrumentedKey.counting(gateway.credential(TestNodes.ALIAS).key());
        NodeTlsContext context = nodes.track(NodeTls.server(key.source(gateway.credential(TestNodes.ALIAS)))
                .trustPolicy(trust).stack(TlsStack.OPENSSL)
                .sessionTicketKeys(SessionTicketKeys.from(keyDir, GRACE, Duration.ofHours(1), clock)).build());
        return new Instance(context, peers.echoServer(context), key);
    }

    private NodeTlsContext clinicContext() throws Exception {
        return nodes.track(NodeTls.client(CredentialSource.of(clinic, TestNodes.ALIAS)).trustPolicy(trust)
                .stack(TlsStack.OPENSSL).build());
    }

    /** One connection through the fleet's name to this instance; returns the protocol. */
    private String visit(NodeTlsContext client, Instance gatewayInstance) throws Exception {
        Peers.Client c = peers.connect(client, gatewayInstance.server.port(), FLEET, 443);
        String protocol = c.awaitAuthenticated().protocol();
        assertInstanceOf(NodeAuthenticatedEvent.class, gatewayInstance.server.nextEvent());
        assertEquals("hi", c.echo("hi"));
        c.channel.close().sync();
        return protocol;
    }

    private void writeKey(String name, Instant since) throws Exception {
        Path f = Files.write(keys.resolve(name), random48());
        Files.setLastModifiedTime(f, FileTime.from(since));
    }

    private static byte[] random48() {
        byte[] b = new byte[SessionTicketKeys.KEY_FILE_SIZE];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static final class SettableClock extends Clock {
        private volatile Instant now;

        SettableClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
