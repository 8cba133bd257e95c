package jp.securetoken.jpki.emulator;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import jp.securetoken.jpki.JpkiCardProfile;
import jp.securetoken.jpki.JpkiTokenType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An emulated My Number Card (JPKI card application) that answers command APDUs with response APDUs
 * the way the real card does, as far as public documentation and public readers of the card show
 * (see {@code JPKI.md} and the module README, which lists what rests on public sources and what is
 * our assumption).
 *
 * <h2>Interface</h2>
 * <table>
 * <caption>Commands</caption>
 * <tr><th>Command</th><th>APDU</th><th>Answers</th></tr>
 * <tr><td>SELECT AP</td><td>{@code 00 A4 04 0C 0A D392F000260100000001}</td>
 *     <td>{@code 9000}; any other AID {@code 6A82}; JPKI AID with P2 other than {@code 0C}: {@code 6A86}</td></tr>
 * <tr><td>SELECT EF</td><td>{@code 00 A4 02 0C 02 <FID>}</td>
 *     <td>{@code 9000} (no FCI); unknown FID or AP not selected {@code 6A82}</td></tr>
 * <tr><td>READ BINARY</td><td>{@code 00 B0 <offset> <Le>}</td>
 *     <td>at most Le bytes from offset, fewer at the end, {@code 9000}; offset beyond the end {@code 6B00};
 *     signature certificate before the signature PIN {@code 6982}; key or PIN EF {@code 6982}; no EF
 *     selected {@code 6986}</td></tr>
 * <tr><td>VERIFY</td><td>{@code 00 20 00 80 <Lc> <PIN>}</td>
 *     <td>{@code 9000}; wrong {@code 63Cx} (x tries left, {@code 63C0} on the try that locks);
 *     locked {@code 6983}; selected EF is not a PIN EF {@code 6986}</td></tr>
 * <tr><td>PIN status</td><td>{@code 00 20 00 80}</td>
 *     <td>{@code 63Cx} always, also when verified, {@code 63C0} when locked; spends no try</td></tr>
 * <tr><td>CHANGE PIN</td><td>{@code 00 24 01 80 <Lc> <new PIN>}</td>
 *     <td>{@code 9000} after VERIFY of that PIN; otherwise {@code 6982}; locked {@code 6983}; new PIN of
 *     the wrong length {@code 6700}, wrong characters {@code 6A80}</td></tr>
 * <tr><td>SIGN</td><td>{@code 80 2A 00 80 <Lc> <DigestInfo> 00}</td>
 *     <td>256-byte RSASSA-PKCS1-v1_5 signature (type-1 padding of the data as given) {@code 9000};
 *     PIN of the selected key not verified {@code 6982}; selected EF is not a key EF {@code 6986}</td></tr>
 * </table>
 * Malformed lengths answer {@code 6700}, wrong P1/P2 {@code 6A86}, unknown INS {@code 6D00}, unknown CLA
 * or an instruction sent with the other class {@code 6E00}.
 *
 * <h2>PIN state</h2>
 * A verified PIN stays verified until SELECT AP, reset or power off (not SELECT EF, not the status
 * query, not SIGN). Try counters live as long as this object: they survive reset and power cycles,
 * as on a real card; {@link #newCard()} gives a fresh card with the same identity. Against a locked
 * PIN VERIFY answers {@code 6983}: the public readers do not show a real card's word, this is our
 * choice (ISO/IEC 7816-4 "authentication method blocked").
 *
 * <h2>Threads</h2>
 * Thread-safe: one APDU at a time, like a card. An optional signing delay makes SIGN as slow as a
 * real card (hundreds of milliseconds) for timing-sensitive tests.
 */
public final class JpkiCardEmulator {

    private static final Logger log = LoggerFactory.getLogger(JpkiCardEmulator.class);

    private static final byte[] ATR = HexFormat.of().parseHex("3BE000FF8131FE4514");
    private static final int MAX_SIGN_INPUT = 256 - 11;

    private final JpkiCardIdentity identity;
    private final Duration signingDelay;
    private final JpkiCardProfile profile;
    private final Map<Integer, byte[]> binaryFiles;
    private final Map<JpkiPinRole, PinState> pins = new EnumMap<>(JpkiPinRole.class);
    private final ReentrantLock lock = new ReentrantLock();

    /** Read without the lock, which SIGN holds during the signing delay. */
    private final AtomicLong signCommands = new AtomicLong();

    // guarded by lock
    private boolean powered;
    private boolean applicationSelected;
    private int currentFile = -1;

    private JpkiCardEmulator(JpkiCardIdentity identity, Duration signingDelay, JpkiCardProfile profile) {
        this.identity = identity;
        this.signingDelay = signingDelay;
        this.profile = profile;
        this.binaryFiles = Map.of(
                profile.tokenInfoFile(), tokenInfo(profile),
                files(JpkiPinRole.SIGNATURE).certificate(), identity.credential(JpkiPinRole.SIGNATURE).certificateDer(),
                files(JpkiPinRole.SIGNATURE).caCertificate(),
                identity.credential(JpkiPinRole.SIGNATURE).caCertificateDer(),
                files(JpkiPinRole.AUTHENTICATION).certificate(),
                identity.credential(JpkiPinRole.AUTHENTICATION).certificateDer(),
                files(JpkiPinRole.AUTHENTICATION).caCertificate(),
                identity.credential(JpkiPinRole.AUTHENTICATION).caCertificateDer());
        for (JpkiPinRole role : JpkiPinRole.values()) {
            pins.put(role, new PinState(role, identity.pin(role)));
        }
    }

    /** An emulated card holding {@code identity}, powered off, without signing delay. */
    public static JpkiCardEmulator of(JpkiCardIdentity identity) {
        return builder(identity).build();
    }

    /** Starts configuring an emulated card holding {@code identity}. */
    public static Builder builder(JpkiCardIdentity identity) {
        return new Builder(identity);
    }

    /**
     * A new card with the same identity and settings: PINs as the identity sets them, all tries left,
     * powered off. Models a reissued card; this emulator keeps its own state.
     */
    public JpkiCardEmulator newCard() {
        return new JpkiCardEmulator(identity, signingDelay, profile);
    }

    /** The card's layout. */
    public JpkiCardProfile profile() {
        return profile;
    }

    private JpkiCardProfile.Files files(JpkiPinRole role) {
        return profile.files(role == JpkiPinRole.AUTHENTICATION ? JpkiTokenType.AUTH : JpkiTokenType.SIGN);
    }

    /** What this card holds. */
    public JpkiCardIdentity identity() {
        return identity;
    }

    /** The answer to reset: {@code 3B E0 00 FF 81 31 FE 45 14}, the ATR OpenSC's JPKI driver matches. */
    public byte[] atr() {
        return ATR.clone();
    }

    /** Powers the card on (cold reset): clears the selected application, files and verified PINs. */
    public byte[] powerOn() {
        lock.lock();
        try {
            powered = true;
            clearVolatileState();
            log.debug("power on");
            return atr();
        } finally {
            lock.unlock();
        }
    }

    /** Warm reset: like power on, the volatile state is gone, try counters stay. */
    public byte[] reset() {
        lock.lock();
        try {
            powered = true;
            clearVolatileState();
            log.debug("reset");
            return atr();
        } finally {
            lock.unlock();
        }
    }

    /** Powers the card off: volatile state is gone; commands need {@link #powerOn()} again. */
    public void powerOff() {
        lock.lock();
        try {
            powered = false;
            clearVolatileState();
            log.debug("power off");
        } finally {
            lock.unlock();
        }
    }

    /** Whether the card is powered. */
    public boolean isPowered() {
        lock.lock();
        try {
            return powered;
        } finally {
            lock.unlock();
        }
    }

    /** Tries left of {@code role}'s PIN now, as the card counts them ({@code 0} when locked). */
    public int triesLeft(JpkiPinRole role) {
        lock.lock();
        try {
            return pins.get(role).triesLeft;
        } finally {
            lock.unlock();
        }
    }

    /**
     * How many VERIFY commands carrying a PIN reached {@code role}'s PIN, whatever the answer (also
     * those refused with {@code 6983} because the PIN is locked). The data-less status query is not
     * counted. Lets tests prove that a host never sends a locked or malformed PIN.
     */
    public long verifyCommands(JpkiPinRole role) {
        lock.lock();
        try {
            return pins.get(role).verifyCommands;
        } finally {
            lock.unlock();
        }
    }

    /**
     * How many SIGN commands the card has started, counted before the signing delay: a test that
     * sees this number grow knows that the card is busy signing. Readable while the card signs.
     */
    public long signCommands() {
        return signCommands.get();
    }

    /**
     * Processes one command APDU and returns the response APDU (data followed by SW1 SW2).
     *
     * @throws IllegalStateException when the card is not powered
     */
    public byte[] transmit(byte[] command) {
        Objects.requireNonNull(command, "command");
        lock.lock();
        try {
            if (!powered) {
                throw new IllegalStateException("the card is not powered");
            }
            CommandApdu apdu = CommandApdu.parse(command);
            byte[] response = apdu == null ? StatusWord.only(StatusWord.WRONG_LENGTH) : process(apdu);
            if (log.isDebugEnabled()) {
                log.debug("{} -> {} byte(s), SW {}", describe(command), response.length - 2,
                        HexFormat.of().formatHex(response, response.length - 2, response.length));
            }
            return response;
        } finally {
            lock.unlock();
        }
    }

    private byte[] process(CommandApdu apdu) {
        if (apdu.cla() != 0x00 && apdu.cla() != 0x80) {
            return StatusWord.only(StatusWord.CLA_NOT_SUPPORTED);
        }
        boolean proprietary = apdu.cla() == 0x80;
        return switch (apdu.ins()) {
            case 0xA4 -> proprietary ? sw(StatusWord.CLA_NOT_SUPPORTED) : select(apdu);
            case 0xB0 -> proprietary ? sw(StatusWord.CLA_NOT_SUPPORTED) : readBinary(apdu);
            case 0x20 -> proprietary ? sw(StatusWord.CLA_NOT_SUPPORTED) : verify(apdu);
            case 0x24 -> proprietary ? sw(StatusWord.CLA_NOT_SUPPORTED) : changePin(apdu);
            case 0x2A -> proprietary ? sign(apdu) : sw(StatusWord.CLA_NOT_SUPPORTED);
            default -> sw(StatusWord.INS_NOT_SUPPORTED);
        };
    }

    private byte[] select(CommandApdu apdu) {
        if (apdu.p1() == 0x04) {
            if (!apdu.hasData() || apdu.data().length > 16) {
                return sw(StatusWord.WRONG_LENGTH);
            }
            if (profile.otherAids().stream().anyMatch(aid -> Arrays.equals(apdu.data(), aid))) {
                // another application of the card: JPKI is no longer selected, and its PINs are forgotten
                clearVolatileState();
                return sw(StatusWord.OK);
            }
            if (!Arrays.equals(apdu.data(), profile.aid())) {
                return sw(StatusWord.FILE_NOT_FOUND);
            }
            if (apdu.p2() != 0x0C) {
                return sw(StatusWord.INCORRECT_P1P2);
            }
            clearVolatileState();
            applicationSelected = true;
            return sw(StatusWord.OK);
        }
        if (apdu.p1() == 0x02) {
            if (apdu.p2() != 0x0C) {
                return sw(StatusWord.INCORRECT_P1P2);
            }
            if (apdu.data().length != 2) {
                return sw(StatusWord.WRONG_LENGTH);
            }
            int fid = ((apdu.data()[0] & 0xFF) << 8) | (apdu.data()[1] & 0xFF);
            if (!applicationSelected || !exists(fid)) {
                return sw(StatusWord.FILE_NOT_FOUND);
            }
            currentFile = fid;
            return sw(StatusWord.OK);
        }
        return sw(StatusWord.INCORRECT_P1P2);
    }

    private byte[] readBinary(CommandApdu apdu) {
        if ((apdu.p1() & 0x80) != 0) {
            return sw(StatusWord.INCORRECT_P1P2); // short EF identifiers are not supported
        }
        if (apdu.hasData() || !apdu.hasLe()) {
            return sw(StatusWord.WRONG_LENGTH);
        }
        if (currentFile < 0) {
            return sw(StatusWord.COMMAND_NOT_ALLOWED);
        }
        byte[] content = binaryFiles.get(currentFile);
        if (content == null) {
            return sw(StatusWord.SECURITY_STATUS_NOT_SATISFIED); // keys and PINs are never readable
        }
        if (currentFile == files(JpkiPinRole.SIGNATURE).certificate() && !pins.get(JpkiPinRole.SIGNATURE).verified) {
            return sw(StatusWord.SECURITY_STATUS_NOT_SATISFIED);
        }
        int offset = (apdu.p1() << 8) | apdu.p2();
        if (offset > content.length) {
            return sw(StatusWord.WRONG_P1P2_OFFSET);
        }
        int n = Math.min(apdu.le(), content.length - offset);
        return StatusWord.withData(content, offset, n, StatusWord.OK);
    }

    private byte[] verify(CommandApdu apdu) {
        if (apdu.p1() != 0x00 || apdu.p2() != 0x80) {
            return sw(StatusWord.INCORRECT_P1P2);
        }
        if (apdu.hasLe()) {
            return sw(StatusWord.WRONG_LENGTH);
        }
        PinState pin = selectedPin();
        if (pin == null) {
            return sw(StatusWord.COMMAND_NOT_ALLOWED);
        }
        if (!apdu.hasData()) {
            return sw(StatusWord.PIN_TRIES_LEFT | pin.triesLeft);
        }
        pin.verifyCommands++;
        if (pin.triesLeft == 0) {
            return sw(StatusWord.AUTHENTICATION_BLOCKED);
        }
        if (pin.matches(apdu.data())) {
            pin.triesLeft = pin.role.maxTries();
            pin.verified = true;
            log.debug("{} PIN verified", pin.role);
            return sw(StatusWord.OK);
        }
        pin.triesLeft--;
        pin.verified = false;
        log.debug("{} PIN wrong, {} tries left", pin.role, pin.triesLeft);
        return sw(StatusWord.PIN_TRIES_LEFT | pin.triesLeft);
    }

    private byte[] changePin(CommandApdu apdu) {
        if (apdu.p1() != 0x01 || apdu.p2() != 0x80) {
            return sw(StatusWord.INCORRECT_P1P2);
        }
        if (!apdu.hasData() || apdu.hasLe()) {
            return sw(StatusWord.WRONG_LENGTH);
        }
        PinState pin = selectedPin();
        if (pin == null) {
            return sw(StatusWord.COMMAND_NOT_ALLOWED);
        }
        if (pin.triesLeft == 0) {
            return sw(StatusWord.AUTHENTICATION_BLOCKED);
        }
        if (!pin.verified) {
            return sw(StatusWord.SECURITY_STATUS_NOT_SATISFIED);
        }
        String newPin = new String(apdu.data(), StandardCharsets.US_ASCII);
        boolean auth = pin.role == JpkiPinRole.AUTHENTICATION;
        int min = auth ? 4 : 6;
        int max = auth ? 4 : 16;
        if (newPin.length() < min || newPin.length() > max) {
            return sw(StatusWord.WRONG_LENGTH);
        }
        if (!pin.role.accepts(newPin)) {
            return sw(StatusWord.WRONG_DATA);
        }
        pin.value = apdu.data().clone();
        log.debug("{} PIN changed", pin.role);
        return sw(StatusWord.OK);
    }

    private byte[] sign(CommandApdu apdu) {
        if (apdu.p1() != 0x00 || apdu.p2() != 0x80) {
            return sw(StatusWord.INCORRECT_P1P2);
        }
        if (!apdu.hasData() || apdu.data().length > MAX_SIGN_INPUT || (apdu.hasLe() && apdu.le() != 256)) {
            return sw(StatusWord.WRONG_LENGTH);
        }
        JpkiPinRole role = currentFile == files(JpkiPinRole.AUTHENTICATION).privateKey() ? JpkiPinRole.AUTHENTICATION
                : currentFile == files(JpkiPinRole.SIGNATURE).privateKey() ? JpkiPinRole.SIGNATURE : null;
        if (role == null) {
            return sw(StatusWord.COMMAND_NOT_ALLOWED);
        }
        if (!pins.get(role).verified) {
            return sw(StatusWord.SECURITY_STATUS_NOT_SATISFIED);
        }
        signCommands.incrementAndGet();
        delay();
        try {
            byte[] signature = signWith(identity.credential(role).privateKey(), apdu.data());
            log.debug("{} key signed {} bytes", role, apdu.data().length);
            return StatusWord.withData(signature, 0, signature.length, StatusWord.OK);
        } catch (GeneralSecurityException e) {
            log.warn("{} key failed to sign", role, e);
            return sw(StatusWord.NO_PRECISE_DIAGNOSIS);
        }
    }

    /**
     * RSA: PKCS#1 v1.5 type-1 padding of the data as given. EC (the next-generation card, an
     * assumption): ECDSA over the data as the hash, answered as {@code r || s}.
     */
    private static byte[] signWith(java.security.PrivateKey key, byte[] data) throws GeneralSecurityException {
        if (key instanceof java.security.interfaces.ECPrivateKey ec) {
            Signature ecdsa = Signature.getInstance("NONEwithECDSA");
            ecdsa.initSign(key);
            ecdsa.update(data);
            org.bouncycastle.asn1.ASN1Sequence der = org.bouncycastle.asn1.ASN1Sequence.getInstance(ecdsa.sign());
            int size = (ec.getParams().getCurve().getField().getFieldSize() + 7) / 8;
            byte[] out = new byte[2 * size];
            for (int i = 0; i < 2; i++) {
                byte[] v = org.bouncycastle.util.BigIntegers.asUnsignedByteArray(size,
                        org.bouncycastle.asn1.ASN1Integer.getInstance(der.getObjectAt(i)).getValue());
                System.arraycopy(v, 0, out, i * size, size);
            }
            return out;
        }
        Signature rsa = Signature.getInstance("NONEwithRSA");
        rsa.initSign(key);
        rsa.update(data);
        return rsa.sign();
    }

    private void delay() {
        if (signingDelay.isZero()) {
            return;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(signingDelay.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private PinState selectedPin() {
        for (PinState p : pins.values()) {
            if (files(p.role).pin() == currentFile) {
                return p;
            }
        }
        return null;
    }

    private boolean exists(int fid) {
        if (binaryFiles.containsKey(fid)) {
            return true;
        }
        for (JpkiPinRole role : JpkiPinRole.values()) {
            if (files(role).pin() == fid || files(role).privateKey() == fid) {
                return true;
            }
        }
        return false;
    }

    private void clearVolatileState() {
        applicationSelected = false;
        currentFile = -1;
        pins.values().forEach(p -> p.verified = false);
    }

    private static byte[] sw(int sw) {
        return StatusWord.only(sw);
    }

    private static byte[] tokenInfo(JpkiCardProfile profile) {
        byte[] info = new byte[32];
        Arrays.fill(info, (byte) ' ');
        String prefix = profile.tokenInfoPrefix();
        // the card issued since 2016 reads JPKIAPICCTOKEN2; a profile whose prefix carries its own number keeps it
        byte[] label = (Character.isDigit(prefix.charAt(prefix.length() - 1)) ? prefix : prefix + "2")
                .getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(label, 0, info, 0, label.length);
        return info;
    }

    /** The header of a command for the log; never its data (PINs, digests). */
    private static String describe(byte[] command) {
        return HexFormat.ofDelimiter(" ").formatHex(command, 0, Math.min(4, command.length))
                + (command.length > 5 ? " +" + (command.length - 4) + " bytes" : "");
    }

    /** One PIN's counter and state. Guarded by the emulator's lock. */
    private static final class PinState {
        final JpkiPinRole role;
        byte[] value;
        int triesLeft;
        boolean verified;
        long verifyCommands;

        PinState(JpkiPinRole role, String pin) {
            this.role = role;
            this.value = pin.getBytes(StandardCharsets.US_ASCII);
            this.triesLeft = role.maxTries();
        }

        boolean matches(byte[] candidate) {
            return MessageDigest.isEqual(value, candidate);
        }
    }

    /** Settings of an emulated card. */
    public static final class Builder {
        private final JpkiCardIdentity identity;
        private Duration signingDelay = Duration.ZERO;
        private JpkiCardProfile profile = JpkiCardProfile.MY_NUMBER_CARD;

        private Builder(JpkiCardIdentity identity) {
            this.identity = Objects.requireNonNull(identity, "identity");
        }

        /** How long SIGN takes before it answers (default none); the card is busy meanwhile. */
        public Builder signingDelay(Duration delay) {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("negative signing delay");
            }
            this.signingDelay = delay;
            return this;
        }

        /**
         * The card's layout (default {@link JpkiCardProfile#MY_NUMBER_CARD}); give
         * {@link JpkiCardProfile#NEXT_GENERATION} with an identity of EC P-384 keys for the card announced for 2026.
         */
        public Builder profile(JpkiCardProfile cardProfile) {
            this.profile = Objects.requireNonNull(cardProfile, "cardProfile");
            return this;
        }

        /** The emulated card, powered off. */
        public JpkiCardEmulator build() {
            return new JpkiCardEmulator(identity, signingDelay, profile);
        }
    }
}
