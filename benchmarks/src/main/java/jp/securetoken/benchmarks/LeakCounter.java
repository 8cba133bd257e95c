package jp.securetoken.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Netty's leak detector at level PARANOID (every buffer tracked), counting what it reports: each
 * {@code LEAK:} report, traced or not, adds one. Install it before anything else touches Netty.
 */
final class LeakCounter extends ResourceLeakDetectorFactory {
    private final AtomicLong leaks = new AtomicLong();
    private final List<String> firstReports = new ArrayList<>();

    private LeakCounter() {
    }

    /** Sets PARANOID and makes every detector Netty creates from now on report to the returned counter. */
    static LeakCounter install() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        LeakCounter counter = new LeakCounter();
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(counter);
        return counter;
    }

    @Override
    @SuppressWarnings("deprecation")
    public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
            long maxActive) {
        return new ResourceLeakDetector<T>(resource, samplingInterval) {
            @Override
            protected void reportTracedLeak(String resourceType, String records) {
                counted(resourceType + records);
                super.reportTracedLeak(resourceType, records);
            }

            @Override
            protected void reportUntracedLeak(String resourceType) {
                counted(resourceType);
                super.reportUntracedLeak(resourceType);
            }
        };
    }

    private void counted(String report) {
        leaks.incrementAndGet();
        synchronized (firstReports) {
            if (firstReports.size() < 3) {
                firstReports.add(report);
            }
        }
    }

    /**
     * Collects garbage and makes the detectors look at what was collected (a detector checks its
     * queue when it tracks a new buffer), several rounds; then the leaks reported so far.
     */
    long collect() {
        for (int round = 0; round < 5; round++) {
            System.gc();
            for (int i = 0; i < 64; i++) {
                ByteBuf pooled = PooledByteBufAllocator.DEFAULT.directBuffer(64);
                ByteBuf heap = UnpooledByteBufAllocator.DEFAULT.heapBuffer(64);
                pooled.release();
                heap.release();
            }
        }
        return leaks.get();
    }

    long leaks() {
        return leaks.get();
    }

    List<String> firstReports() {
        synchronized (firstReports) {
            return List.copyOf(firstReports);
        }
    }
}
