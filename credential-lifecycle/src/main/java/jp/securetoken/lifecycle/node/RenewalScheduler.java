package jp.securetoken.lifecycle.node;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@link CredentialRenewer}'s next attempt after a delay. Production code uses
 * {@link #of(ScheduledExecutorService)}; tests pass one that runs the task when they say, so the
 * schedule is checked without waiting.
 */
@FunctionalInterface
public interface RenewalScheduler {

    /** Runs {@code task} once, {@code delay} from now. */
    void schedule(Runnable task, Duration delay);

    /** Schedules on {@code executor}. */
    static RenewalScheduler of(ScheduledExecutorService executor) {
        return (task, delay) -> executor.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
    }
}
