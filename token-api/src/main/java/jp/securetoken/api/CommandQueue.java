package jp.securetoken.api;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * The one queue on which a token runs its command sequences, one at a time, in arrival order. A
 * card or a token file cannot interleave two sequences, and callers may come from many threads:
 * every token implementation sends all its device work through its own queue.
 *
 * <p>A command submitted from the queue's own thread runs at once, so a command may call other
 * operations of the same token without deadlock.
 */
public final class CommandQueue implements AutoCloseable {
    private final String tokenName;
    private final ExecutorService executor;
    private volatile Thread worker;

    public CommandQueue(String tokenName) {
        this.tokenName = tokenName;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "securetoken-queue-" + tokenName);
            t.setDaemon(true);
            worker = t;
            return t;
        });
    }

    /** Runs {@code command} on the queue; the future fails with the command's {@link TokenException}. */
    public <T> CompletableFuture<T> submit(TokenCommand<T> command) {
        CompletableFuture<T> result = new CompletableFuture<>();
        if (Thread.currentThread() == worker) {
            complete(command, result);
            return result;
        }
        try {
            executor.execute(() -> complete(command, result));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new TokenClosedException(tokenName));
        }
        return result;
    }

    /** Runs {@code command} on the queue and waits for it. */
    public <T> T call(TokenCommand<T> command) throws TokenException {
        return await(submit(command));
    }

    /** Waits for a future of a token operation and rethrows its {@link TokenException} as it is. */
    public static <T> T await(CompletableFuture<T> future) throws TokenException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw rethrow(e.getCause());
                } catch (CancellationException e) {
                    throw new IllegalStateException("token operation was cancelled", e);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static TokenException rethrow(Throwable cause) {
        Throwable c = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof TokenException te) {
            return te;
        }
        if (c instanceof RuntimeException re) {
            throw re;
        }
        if (c instanceof Error err) {
            throw err;
        }
        throw new IllegalStateException("token operation failed", c);
    }

    private static <T> void complete(TokenCommand<T> command, CompletableFuture<T> result) {
        try {
            result.complete(command.execute());
        } catch (Throwable t) {
            result.completeExceptionally(t);
        }
    }

    /** Stops taking commands; those already queued still run. */
    @Override
    public void close() {
        executor.shutdown();
    }
}
