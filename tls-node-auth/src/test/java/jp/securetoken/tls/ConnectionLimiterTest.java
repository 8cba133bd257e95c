package jp.securetoken.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * How sources are counted: an attacker with a whole IPv6 /64 is one source, and one with more
 * IPv4 addresses than the limiter tracks cannot make it grow without bound.
 */
class ConnectionLimiterTest {
    private static final ConnectionLimits ROOMY = new ConnectionLimits(2, Duration.ofMinutes(10), 1_000_000,
            1_000_000);

    private static InetSocketAddress at(String address) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(address), 40000);
    }

    @Test
    void addressesOfOneIpv6Slash64AreOneSource() throws Exception {
        ConnectionLimiter limiter = new ConnectionLimiter(ROOMY);
        assertNull(limiter.admit(at("2001:db8:1:2::1")));
        assertNull(limiter.admit(at("2001:db8:1:2:ffff::9")));
        assertEquals(ConnectionLimiter.Limit.SOURCE_RATE, limiter.admit(at("2001:db8:1:2:abcd::7")));
        assertNull(limiter.admit(at("2001:db8:1:3::1")), "another /64 is another source");
        assertEquals(InetAddress.getByName("192.0.2.7"), ConnectionLimiter.source(InetAddress.getByName("192.0.2.7")));
        assertNotEquals(ConnectionLimiter.source(InetAddress.getByName("192.0.2.7")),
                ConnectionLimiter.source(InetAddress.getByName("192.0.2.8")));
    }

    @Test
    void moreSourcesThanTrackedInOneIntervalAreRefusedNotRemembered() throws Exception {
        ConnectionLimiter limiter = new ConnectionLimiter(ROOMY);
        for (int i = 0; i < ConnectionLimiter.MAX_SOURCES; i++) {
            assertNull(limiter.admit(at("10." + (i >> 16 & 0xff) + "." + (i >> 8 & 0xff) + "." + (i & 0xff))));
        }
        assertEquals(ConnectionLimiter.Limit.SOURCE_RATE, limiter.admit(at("172.16.0.1")));
        assertNull(limiter.admit(at("10.0.0.0")), "a tracked source within its rate is still admitted");
        assertEquals(1, limiter.counters().refusedBySourceRate());
        assertEquals(ConnectionLimiter.MAX_SOURCES + 1, limiter.counters().openConnections());
    }

    @Test
    void limitsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> ConnectionLimits.DEFAULTS.withConnections(0));
        assertThrows(IllegalArgumentException.class,
                () -> ConnectionLimits.DEFAULTS.withHandshakesPerSource(1, Duration.ZERO));
    }
}
