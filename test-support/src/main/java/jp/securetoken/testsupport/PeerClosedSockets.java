package jp.securetoken.testsupport;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Tells which of several plain sockets to a server the server has closed. For connection-limit
 * tests: connections opened back to back reach a multi-threaded event loop group in an order the
 * test does not control, so "the third one is refused" cannot be asserted, only "exactly one is".
 */
public final class PeerClosedSockets {

    private static final int PROBE_MILLIS = 50;

    private PeerClosedSockets() {
    }

    /**
     * Waits until at least {@code count} of the sockets have been closed by the server, then
     * returns the closed ones. A socket counts as closed when a read returns end of stream or the
     * connection was reset; one whose read only times out is still open.
     */
    public static List<Socket> awaitClosed(int count, Duration atMost, Socket... sockets) {
        List<Socket> closed = new ArrayList<>();
        await().atMost(atMost).pollInterval(Duration.ofMillis(PROBE_MILLIS)).until(() -> {
            for (Socket s : sockets) {
                if (!closed.contains(s) && closedByPeer(s)) {
                    closed.add(s);
                }
            }
            return closed.size() >= count;
        });
        return closed;
    }

    /** Whether the server has closed this socket: a short read answers end of stream or reset. */
    public static boolean closedByPeer(Socket s) {
        try {
            s.setSoTimeout(PROBE_MILLIS);
            return s.getInputStream().read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** Waits until exactly one of the sockets is closed by the server and the others stay open. */
    public static Socket awaitExactlyOneClosed(Duration atMost, Socket... sockets) {
        List<Socket> closed = awaitClosed(1, atMost, sockets);
        for (Socket s : sockets) {
            if (!closed.contains(s) && closedByPeer(s)) {
                throw new AssertionError("more than one connection was closed");
            }
        }
        return closed.get(0);
    }
}
