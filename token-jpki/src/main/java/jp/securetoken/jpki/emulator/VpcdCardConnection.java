package jp.securetoken.jpki.emulator;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import jdk.net.ExtendedSocketOptions;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a {@link JpkiCardEmulator} into pcscd's virtual reader: connects to the vpcd driver of
 * vsmartcard ({@code vsmartcard-vpcd}, TCP {@code localhost:35963} for reader "Virtual PCD 00 00")
 * and answers its messages, so that pcscd, {@code javax.smartcardio} and OpenSC see a card.
 *
 * <p>Protocol (vsmartcard's {@code vpcd.c}): every message either way is a 2-byte big-endian length
 * and the payload. A 1-byte payload from the reader is control: {@code 00} power off, {@code 01} power
 * on, {@code 02} reset (no answer), {@code 04} get ATR (answered with the ATR). Any other payload is a
 * command APDU, answered with the response APDU. Closing the socket is removing the card.
 *
 * <p>{@link #insert()} starts a thread that connects (at most {@code connectAttempts} tries, one
 * {@code retryInterval} apart, so pcscd may start late) and serves the reader until {@link #remove()},
 * {@link #close()} or until pcscd goes away; after a lost connection it reconnects within the same
 * bound, then gives up. Removal powers the card off, as pulling a real card does.
 */
public final class VpcdCardConnection implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VpcdCardConnection.class);

    /** The port of vpcd's first reader, "Virtual PCD 00 00". */
    public static final int DEFAULT_PORT = 35963;

    private static final int CTRL_OFF = 0x00;
    private static final int CTRL_ON = 0x01;
    private static final int CTRL_RESET = 0x02;
    private static final int CTRL_ATR = 0x04;

    private final JpkiCardEmulator card;
    private final String host;
    private final int port;
    private final int connectAttempts;
    private final Duration retryInterval;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // guarded by lock
    private Thread worker;
    private Socket socket;
    private boolean wanted;
    private boolean connected;

    private VpcdCardConnection(Builder b) {
        this.card = b.card;
        this.host = b.host;
        this.port = b.port;
        this.connectAttempts = b.connectAttempts;
        this.retryInterval = b.retryInterval;
    }

    /** Starts configuring the connection of {@code card} to vpcd. */
    public static Builder builder(JpkiCardEmulator card) {
        return new Builder(card);
    }

    /** The emulated card this connection serves. */
    public JpkiCardEmulator card() {
        return card;
    }

    /** Inserts the card: starts connecting to vpcd in the background. Does nothing if already inserted. */
    public void insert() {
        lock.lock();
        try {
            if (wanted) {
                return;
            }
            wanted = true;
            Thread t = new Thread(this::run, "vpcd-card-" + port);
            t.setDaemon(true);
            worker = t;
            t.start();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes the card: closes the socket (pcscd sees the card gone), powers the card off and waits
     * until the serving thread has ended.
     */
    public void remove() {
        Thread t;
        lock.lock();
        try {
            wanted = false;
            closeSocket();
            changed.signalAll();
            t = worker;
            worker = null;
        } finally {
            lock.unlock();
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                log.warn("vpcd card thread did not end within 10 s");
            }
        }
        card.powerOff();
    }

    /** Whether the card is connected to vpcd now (pcscd may take a poll interval to notice). */
    public boolean isConnected() {
        lock.lock();
        try {
            return connected;
        } finally {
            lock.unlock();
        }
    }

    /** Removes the card if inserted. */
    @Override
    public void close() {
        remove();
    }

    private void run() {
        int failures = 0;
        while (isWanted() && failures < connectAttempts) {
            Socket s = new Socket();
            try {
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress(host, port), (int) Math.max(1, retryInterval.toMillis()));
                if (!adopt(s)) {
                    s.close();
                    return;
                }
                failures = 0;
                log.info("card inserted into vpcd at {}:{}", host, port);
                serve(s, s.getInputStream(), s.getOutputStream());
            } catch (IOException e) {
                if (isWanted()) {
                    failures++;
                    log.debug("vpcd at {}:{} unreachable or gone ({}), attempt {} of {}", host, port,
                            e.getMessage(), failures, connectAttempts);
                }
            } finally {
                drop(s);
            }
            if (isWanted() && failures < connectAttempts) {
                awaitRetry();
            }
        }
        if (isWanted()) {
            log.warn("gave up connecting the card to vpcd at {}:{} after {} attempts", host, port, connectAttempts);
        }
    }

    private void serve(Socket s, InputStream rawIn, OutputStream rawOut) throws IOException {
        DataInputStream in = new DataInputStream(rawIn);
        OutputStream out = rawOut;
        boolean quickAck = s.supportedOptions().contains(ExtendedSocketOptions.TCP_QUICKACK);
        while (true) {
            int length;
            if (quickAck) {
                // vpcd (vsmartcard 3.3) sends the length and the payload in two send() calls; with
                // Nagle on its side, the payload waits for our ACK of the length, which Linux delays
                // by 40 ms unless quick ACK is re-armed before every read.
                s.setOption(ExtendedSocketOptions.TCP_QUICKACK, true);
            }
            try {
                length = in.readUnsignedShort();
            } catch (EOFException e) {
                throw new EOFException("vpcd closed the connection");
            }
            byte[] message = in.readNBytes(length);
            if (message.length != length) {
                throw new EOFException("vpcd closed the connection mid-message");
            }
            if (length == 1) {
                control(message[0] & 0xFF, out);
            } else if (length > 0) {
                send(out, answer(message));
            }
        }
    }

    private void control(int code, OutputStream out) throws IOException {
        switch (code) {
            case CTRL_OFF -> card.powerOff();
            case CTRL_ON -> card.powerOn();
            case CTRL_RESET -> card.reset();
            case CTRL_ATR -> send(out, card.atr());
            default -> log.warn("unknown vpcd control message {}", code);
        }
    }

    private byte[] answer(byte[] apdu) {
        try {
            return card.transmit(apdu);
        } catch (IllegalStateException e) {
            // The reader sent an APDU to an unpowered card; a real card would be mute.
            log.warn("APDU to an unpowered card; answering 6F00");
            return StatusWord.only(StatusWord.NO_PRECISE_DIAGNOSIS);
        }
    }

    /** Sends one framed message in one write: split writes cost a delayed-ACK round trip each. */
    private static void send(OutputStream out, byte[] payload) throws IOException {
        byte[] frame = new byte[payload.length + 2];
        frame[0] = (byte) (payload.length >> 8);
        frame[1] = (byte) payload.length;
        System.arraycopy(payload, 0, frame, 2, payload.length);
        out.write(frame);
        out.flush();
    }

    private boolean isWanted() {
        lock.lock();
        try {
            return wanted && worker == Thread.currentThread();
        } finally {
            lock.unlock();
        }
    }

    private boolean adopt(Socket s) {
        lock.lock();
        try {
            if (!wanted || worker != Thread.currentThread()) {
                return false;
            }
            socket = s;
            connected = true;
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void drop(Socket s) {
        lock.lock();
        try {
            if (socket == s) {
                socket = null;
                if (connected) {
                    log.info("card removed from vpcd at {}:{}", host, port);
                }
                connected = false;
            }
        } finally {
            lock.unlock();
        }
        try {
            s.close();
        } catch (IOException e) {
            log.debug("closing the vpcd socket failed", e);
        }
        card.powerOff();
    }

    private void closeSocket() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                log.debug("closing the vpcd socket failed", e);
            }
        }
    }

    private void awaitRetry() {
        lock.lock();
        try {
            long nanos = retryInterval.toNanos();
            while (nanos > 0 && wanted && worker == Thread.currentThread()) {
                nanos = changed.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            wanted = false;
        } finally {
            lock.unlock();
        }
    }

    /** Where vpcd listens and how patiently to connect. */
    public static final class Builder {
        private final JpkiCardEmulator card;
        private String host = "localhost";
        private int port = DEFAULT_PORT;
        private int connectAttempts = 50;
        private Duration retryInterval = Duration.ofMillis(200);

        private Builder(JpkiCardEmulator card) {
            this.card = Objects.requireNonNull(card, "card");
        }

        /** vpcd's host (default {@code localhost}). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** vpcd's port (default 35963). */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            this.port = port;
            return this;
        }

        /** How many failed connects in a row end the attempts (default 50). */
        public Builder connectAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("at least one attempt");
            }
            this.connectAttempts = attempts;
            return this;
        }

        /** The pause between connects (default 200 ms). */
        public Builder retryInterval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("retry interval must be positive");
            }
            this.retryInterval = interval;
            return this;
        }

        /** The connection, not yet inserted. */
        public VpcdCardConnection build() {
            return new VpcdCardConnection(this);
        }

    }
}
