package jp.securetoken.cli;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import jp.securetoken.api.DeviceKeyRejectedException;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.PinEntryCancelledException;
import jp.securetoken.api.PinFormatException;
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.PinLockedException;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.PinStatus;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenBusyException;
import jp.securetoken.api.TokenClosedException;
import jp.securetoken.api.TokenDeviceException;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenNotPresentException;
import jp.securetoken.api.TokenRemovedException;
import jp.securetoken.tls.NodeAuthenticationFailedEvent;
import jp.securetoken.tls.NodeAuthenticationListener;
import jp.securetoken.tls.NodeIdentity;

/**
 * Keeps the token of a long-running {@code serve} logged in. A card or device that goes away and
 * comes back (pcscd restarted, the reader re-plugged, a PKCS#11 device reset) has forgotten its
 * login: the handshake that meets this fails as {@code TOKEN_ERROR} with the token's typed error,
 * and the keeper then logs the token in again in the background, the way the operator configured
 * the first login, so that later handshakes succeed without restarting the gateway. Carefully:
 * <ul>
 * <li>only from {@code --pin-file}, {@code --pin-env} or {@code --device-key}, read again at each
 *     login (a PIN file updated after a PIN change counts); a PIN typed at the prompt or read from
 *     standard input is not asked for again, and the keeper says to restart;</li>
 * <li>one login attempt per loss, and none after a refused one: a wrong PIN, a PIN of the wrong
 *     form, a locked PIN or a rejected device key stops automatic logins for the life of the process,
 *     so a wrong PIN file can never lock the card;</li>
 * <li>never the last try: when the token says a PIN has one try left (someone mistyped meanwhile),
 *     it is left to a person;</li>
 * <li>while the token cannot be reached, it looks again after 250 ms, doubling up to 5 s, until
 *     the token answers or the process stops.</li>
 * </ul>
 * Each step is one line through the {@code report} consumer; logins go through the (audited) token.
 */
final class LoginKeeper implements AutoCloseable {
    private static final Duration FIRST_WAIT = Duration.ofMillis(250);
    private static final Duration LONGEST_WAIT = Duration.ofSeconds(5);

    /** How the token is logged in again: from a PIN file or variable, or with a device key. */
    @FunctionalInterface
    interface Login {
        void logIn(SecureToken token) throws TokenException, CliException;
    }

    private final SecureToken token;
    private final Login login;
    private final String source;
    private final boolean usesPin;
    private final Consumer<String> report;
    private final ScheduledExecutorService executor;
    private final AtomicBoolean recovering = new AtomicBoolean();
    private volatile String stopped;

    /**
     * @param token   the token to keep logged in (the audited one, so that logins are recorded)
     * @param login   how to log in again, or {@code null} when it cannot be done unattended
     * @param source  where the login comes from, for the report (e.g. "the PIN of --pin-file")
     * @param usesPin whether {@code login} spends PIN tries (the last try is then never spent)
     * @param report  takes one line per step
     */
    LoginKeeper(SecureToken token, Login login, String source, boolean usesPin, Consumer<String> report) {
        this.token = token;
        this.login = login;
        this.source = source;
        this.usesPin = usesPin;
        this.report = report;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nodeauth-login-keeper");
            t.setDaemon(true);
            return t;
        });
    }

    /** {@code next}, and the keeper told of every handshake that failed on a token error. */
    NodeAuthenticationListener watching(NodeAuthenticationListener next) {
        return new NodeAuthenticationListener() {
            @Override
            public void authenticated(NodeIdentity peer, SocketAddress remote) {
                next.authenticated(peer, remote);
            }

            @Override
            public void failed(NodeAuthenticationFailedEvent failure, SocketAddress remote) {
                next.failed(failure, remote);
                if (failure.kind() == NodeAuthenticationFailedEvent.Kind.TOKEN_ERROR) {
                    lost(failure.tokenError().map(e -> e.getClass().getSimpleName() + ": " + describe(e))
                            .orElse(failure.message()));
                }
            }
        };
    }

    /** The token failed for {@code why}: when it is no longer logged in, starts logging it in again. */
    void lost(String why) {
        if (stopped != null || executor.isShutdown() || token.isLoggedIn() || !recovering.compareAndSet(false, true)) {
            return;
        }
        if (login == null) {
            stop("the token lost its login (" + why + ") and serve cannot log in unattended: the PIN came from a "
                    + "prompt or standard input and is not asked for again; restart serve, or give --pin-file, --pin-env or "
                    + "--device-key");
            return;
        }
        report.accept("token login lost (" + why + "); logging in again with " + source + " once the token answers");
        schedule(FIRST_WAIT);
    }

    private void schedule(Duration wait) {
        try {
            executor.schedule(() -> attempt(wait), wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            recovering.set(false); // closing
        }
    }

    /** One login attempt on the keeper's thread; another after {@code wait} doubled while the token is away. */
    private void attempt(Duration wait) {
        try {
            if (!token.isLoggedIn()) {
                if (usesPin) {
                    PinStatus status = token.pinStatus(PinRole.USER);
                    if (status.locked()) {
                        stop("the user PIN is locked; it is not tried");
                        return;
                    }
                    if (status.retriesLeft() == 1 && status.maxRetries() != 1) {
                        stop("the user PIN has one try left (someone entered a wrong one); serve does not spend the "
                                + "last try by itself: check the PIN, then log in by restarting serve");
                        return;
                    }
                }
                login.logIn(token);
            }
            recovering.set(false);
            report.accept("token logged in again");
        } catch (TokenNotPresentException | TokenRemovedException | TokenDeviceException | TokenBusyException e) {
            Duration next = wait.multipliedBy(2).compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait.multipliedBy(2);
            schedule(next);
        } catch (PinIncorrectException e) {
            stop(source + " is wrong" + (e.retriesKnown() ? " (" + e.retriesLeft() + " tries left)" : "")
                    + "; it is not tried again: correct it, then restart serve");
        } catch (PinLockedException | PinFormatException | PinEntryCancelledException | DeviceKeyRejectedException e) {
            stop(e.getMessage() + "; not tried again");
        } catch (TokenClosedException e) {
            recovering.set(false);
        } catch (TokenException | CliException | RuntimeException e) {
            stop(e.getMessage());
        }
    }

    /**
     * A token error in an operator's words: a lost login says what needed it, not the Java API's
     * advice to call {@code login()}.
     */
    static String describe(TokenException e) {
        return e instanceof LoginRequiredException login ? login.operation() + ": the token is not logged in (its card "
                + "or device was reset, re-plugged or used by another program)" : e.getMessage();
    }

    private void stop(String reason) {
        stopped = reason;
        report.accept("token not logged in again: " + reason);
    }

    /** Stops looking; a login under way finishes. */
    @Override
    public void close() {
        executor.shutdownNow();
    }
}
