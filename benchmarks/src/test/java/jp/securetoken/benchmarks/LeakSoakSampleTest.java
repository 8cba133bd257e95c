package jp.securetoken.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small sample of {@code scripts/soak.sh} in the test command: 200 full mutual handshakes, 100
 * concurrent connections, 3 cards pulled and 3 token errors mid-handshake, under PARANOID leak
 * detection. The full soak and its figures are the script's.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LeakSoakSampleTest {
    static LeakCounter leaks;

    @TempDir
    Path dir;

    @BeforeAll
    static void paranoid() {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        leaks = LeakCounter.install();
    }

    @Test
    @Order(1)
    void aSmallSoakLeaksNothingAndEveryFaultFailsWithItsTypedReason() throws Exception {
        LeakSoak.Figures f = LeakSoak.run(dir, new LeakSoak.Plan(200, 100, 3), leaks, System.out);
        f.print(System.out);
        assertEquals(0, f.leaks(), () -> "leaks: " + leaks.firstReports());
        assertEquals(0, f.handshakesFailed());
        assertEquals(100, f.established());
        assertEquals(100, f.echoed());
        assertEquals(3, f.cardRemovalsTyped(), "card removals that failed with TokenRemovedException");
        assertEquals(3, f.tokenErrorsTyped(), "token errors that failed with their typed exception");
    }

    @Test
    @Order(2)
    void theCounterSeesABufferThatIsNeverReleased() {
        long before = leaks.collect();
        leak();
        assertTrue(leaks.collect() > before, "a leaked buffer went unnoticed");
    }

    private static void leak() {
        ByteBuf lost = PooledByteBufAllocator.DEFAULT.directBuffer(128);
        lost.writeInt(42);
    }
}
