package jp.securetoken.lifecycle;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

import jp.securetoken.lifecycle.node.RenewalScheduler;

/** A scheduler the test steps: it keeps what was scheduled, and runs the next task (moving the clock) when told. */
final class StepScheduler implements RenewalScheduler {
    private record Scheduled(Runnable task, Duration delay) {
    }

    private final Deque<Scheduled> pending = new ArrayDeque<>();
    private final IssuerFixture.MovableClock clock;

    StepScheduler(IssuerFixture.MovableClock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized void schedule(Runnable task, Duration delay) {
        pending.addLast(new Scheduled(task, delay));
    }

    /** The delay the latest scheduled task asked for. */
    synchronized Duration lastDelay() {
        if (pending.isEmpty()) {
            throw new AssertionError("nothing is scheduled");
        }
        return pending.peekLast().delay();
    }

    synchronized int size() {
        return pending.size();
    }

    /** Moves the clock by the oldest task's delay and runs it on this thread. */
    void runNext() {
        run(true);
    }

    /** Runs the oldest task on this thread as if its time had come, leaving the clock where it is. */
    void runNow() {
        run(false);
    }

    private void run(boolean moveClock) {
        Scheduled next;
        synchronized (this) {
            next = pending.pollFirst();
        }
        if (next == null) {
            throw new AssertionError("nothing is scheduled");
        }
        if (moveClock) {
            clock.advance(next.delay());
        }
        next.task().run();
    }
}
