package jp.securetoken.jpki.emulator;

import static jp.securetoken.jpki.emulator.Apdus.AUTH_CA;
import static jp.securetoken.jpki.emulator.Apdus.AUTH_CERT;
import static jp.securetoken.jpki.emulator.Apdus.AUTH_KEY;
import static jp.securetoken.jpki.emulator.Apdus.AUTH_PIN;
import static jp.securetoken.jpki.emulator.Apdus.SIGN_CA;
import static jp.securetoken.jpki.emulator.Apdus.SIGN_CERT;
import static jp.securetoken.jpki.emulator.Apdus.SIGN_KEY;
import static jp.securetoken.jpki.emulator.Apdus.SIGN_PIN;
import static jp.securetoken.jpki.emulator.Apdus.TOKEN_INFO;
import static jp.securetoken.jpki.emulator.Apdus.command;
import static jp.securetoken.jpki.emulator.Apdus.data;
import static jp.securetoken.jpki.emulator.Apdus.readBinary;
import static jp.securetoken.jpki.emulator.Apdus.selectAp;
import static jp.securetoken.jpki.emulator.Apdus.selectEf;
import static jp.securetoken.jpki.emulator.Apdus.swHex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;

import jp.securetoken.api.SignatureScheme;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JpkiCardEmulatorTest {

    private static final JpkiCardIdentity IDENTITY = JpkiCardIdentity.builder().authPin("4321")
            .signPin("ABCDEF12").build();
    private static final String AUTH = "4321";
    private static final String SIGN = "ABCDEF12";

    private JpkiCardEmulator card;

    @BeforeEach
    void powerOnNewCard() {
        card = JpkiCardEmulator.of(IDENTITY);
        card.powerOn();
    }

    private String send(byte[] apdu) {
        return swHex(card.transmit(apdu));
    }

    private void selectApAndEf(int fid) {
        assertEquals("9000", send(selectAp()));
        assertEquals("9000", send(selectEf(fid)));
    }

    private byte[] readWholeFile(int fid) {
        selectApAndEf(fid);
        return readSelectedFile();
    }

    private byte[] readSelectedFile() {
        byte[] head = card.transmit(readBinary(0, 4));
        assertEquals("9000", swHex(head));
        int length = (((head[2] & 0xFF) << 8) | (head[3] & 0xFF)) + 4;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (out.size() < length) {
            byte[] r = card.transmit(readBinary(out.size(), Math.min(256, length - out.size()) & 0xFF));
            assertEquals("9000", swHex(r));
            out.writeBytes(data(r));
        }
        return out.toByteArray();
    }

    private static X509Certificate parse(byte[] der) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(der));
    }

    private static byte[] sha256DigestInfo(byte[] message) throws Exception {
        return SignatureScheme.RSA_PKCS1_SHA256.digestInfo(MessageDigest.getInstance("SHA-256").digest(message));
    }

    private static boolean verifies(X509Certificate cert, byte[] message, byte[] signature) throws Exception {
        Signature v = Signature.getInstance("SHA256withRSA");
        v.initVerify(cert.getPublicKey());
        v.update(message);
        return v.verify(signature);
    }

    // --- power and ATR ---

    @Test
    void answersToResetWithTheAtrOpenScMatches() {
        assertEquals("3be000ff8131fe4514", HexFormat.of().formatHex(card.powerOn()));
        assertEquals("3be000ff8131fe4514", HexFormat.of().formatHex(card.reset()));
    }

    @Test
    void aCardWithoutPowerTakesNoCommands() {
        card.powerOff();
        assertThrows(IllegalStateException.class, () -> card.transmit(selectAp()));
    }

    // --- SELECT ---

    @Test
    void selectsTheJpkiApplicationByAid() {
        assertEquals("9000", send(selectAp()));
    }

    @Test
    void unknownAidIsFileNotFound() {
        assertEquals("6A82", send(Apdus.selectAid(HexFormat.of().parseHex("A000000308000010000100"), 0x0C)));
    }

    @Test
    void unknownAidAskingForFciIsFileNotFoundToo() {
        assertEquals("6A82", send(Apdus.selectAid(HexFormat.of().parseHex("A0000000630000"), 0x00)));
    }

    @Test
    void jpkiAidAskingForFciIsWrongP1P2() {
        assertEquals("6A86", send(Apdus.selectAid(Apdus.AID, 0x00)));
    }

    @Test
    void selectEfBeforeTheApplicationIsFileNotFound() {
        assertEquals("6A82", send(selectEf(AUTH_CERT)));
    }

    @Test
    void unknownEfIsFileNotFound() {
        send(selectAp());
        assertEquals("6A82", send(selectEf(0x0003)));
    }

    @Test
    void selectEfAskingForFciIsWrongP1P2() {
        send(selectAp());
        assertEquals("6A86", send(command(0x00, 0xA4, 0x02, 0x00, new byte[] {0x00, 0x0A}, -1)));
    }

    @Test
    void selectEfWithAThreeByteFidIsWrongLength() {
        send(selectAp());
        assertEquals("6700", send(command(0x00, 0xA4, 0x02, 0x0C, new byte[] {0x00, 0x00, 0x0A}, -1)));
    }

    @Test
    void selectWithUnsupportedP1IsWrongP1P2() {
        assertEquals("6A86", send(command(0x00, 0xA4, 0x08, 0x0C, new byte[] {0x00, 0x0A}, -1)));
    }

    // --- READ BINARY ---

    @Test
    void authCertificateIsReadableWithoutPin() throws Exception {
        assertEquals(IDENTITY.authCertificate(), parse(readWholeFile(AUTH_CERT)));
    }

    @Test
    void bothCaCertificatesAreReadableWithoutPin() throws Exception {
        assertEquals(IDENTITY.authCaCertificate(), parse(readWholeFile(AUTH_CA)));
        assertEquals(IDENTITY.signCaCertificate(), parse(readWholeFile(SIGN_CA)));
    }

    @Test
    void certificateLengthComesFromItsFirstFourBytes() throws Exception {
        selectApAndEf(AUTH_CERT);
        byte[] head = data(card.transmit(readBinary(0, 4)));
        int der = IDENTITY.authCertificate().getEncoded().length;
        assertEquals(0x30, head[0] & 0xFF);
        assertEquals(0x82, head[1] & 0xFF);
        assertEquals(der, (((head[2] & 0xFF) << 8) | (head[3] & 0xFF)) + 4);
    }

    @Test
    void leZeroReadsAFull256Bytes() {
        selectApAndEf(AUTH_CERT);
        byte[] r = card.transmit(readBinary(0, 0));
        assertEquals("9000", swHex(r));
        assertEquals(256, data(r).length);
    }

    @Test
    void readingPastTheEndReturnsWhatRemains() throws Exception {
        byte[] der = IDENTITY.authCertificate().getEncoded();
        selectApAndEf(AUTH_CERT);
        byte[] r = card.transmit(readBinary(der.length - 10, 0));
        assertEquals("9000", swHex(r));
        assertArrayEquals(java.util.Arrays.copyOfRange(der, der.length - 10, der.length), data(r));
    }

    @Test
    void offsetBeyondTheEndIsWrongOffset() throws Exception {
        int length = IDENTITY.authCertificate().getEncoded().length;
        selectApAndEf(AUTH_CERT);
        assertEquals("6B00", send(readBinary(length + 1, 0)));
    }

    @Test
    void signatureCertificateNeedsTheSignaturePin() throws Exception {
        selectApAndEf(SIGN_CERT);
        assertEquals("6982", send(readBinary(0, 4)));
        send(selectEf(SIGN_PIN));
        assertEquals("9000", send(Apdus.verify(SIGN)));
        assertEquals("9000", send(selectEf(SIGN_CERT)));
        assertEquals(IDENTITY.signCertificate(), parse(readSelectedFile()));
    }

    @Test
    void authPinDoesNotOpenTheSignatureCertificate() {
        selectApAndEf(AUTH_PIN);
        assertEquals("9000", send(Apdus.verify(AUTH)));
        send(selectEf(SIGN_CERT));
        assertEquals("6982", send(readBinary(0, 4)));
    }

    @Test
    void tokenInfoIsASpacePaddedLabel() {
        selectApAndEf(TOKEN_INFO);
        byte[] r = card.transmit(readBinary(0, 0));
        assertEquals("9000", swHex(r));
        assertEquals(String.format("%-32s", "JPKIAPICCTOKEN2"), new String(data(r), StandardCharsets.US_ASCII));
    }

    @Test
    void keysAndPinsAreNeverReadable() {
        for (int fid : new int[] {AUTH_KEY, AUTH_PIN, SIGN_KEY, SIGN_PIN}) {
            selectApAndEf(fid);
            assertEquals("6982", send(readBinary(0, 0)), "EF " + fid);
        }
    }

    @Test
    void readWithoutSelectedEfIsNotAllowed() {
        send(selectAp());
        assertEquals("6986", send(readBinary(0, 0)));
    }

    @Test
    void readWithoutLeIsWrongLength() {
        selectApAndEf(AUTH_CERT);
        assertEquals("6700", send(command(0x00, 0xB0, 0x00, 0x00, null, -1)));
    }

    @Test
    void readByShortFileIdentifierIsWrongP1P2() {
        selectApAndEf(AUTH_CERT);
        assertEquals("6A86", send(command(0x00, 0xB0, 0x8A, 0x00, null, 0)));
    }

    // --- VERIFY and PIN status ---

    @Test
    void rightAuthPinVerifies() {
        selectApAndEf(AUTH_PIN);
        assertEquals("9000", send(Apdus.verify(AUTH)));
    }

    @Test
    void wrongAuthPinCountsDownThenLocks() {
        selectApAndEf(AUTH_PIN);
        assertEquals("63C2", send(Apdus.verify("0000")));
        assertEquals("63C1", send(Apdus.verify("0000")));
        assertEquals("63C0", send(Apdus.verify("0000")));
        assertEquals("6983", send(Apdus.verify(AUTH)));
    }

    @Test
    void signPinHasFiveTries() {
        selectApAndEf(SIGN_PIN);
        assertEquals("63C5", send(Apdus.pinStatus()));
        for (int left = 4; left >= 0; left--) {
            assertEquals(String.format("63C%d", left), send(Apdus.verify("WRONG1")));
        }
        assertEquals("6983", send(Apdus.verify(SIGN)));
    }

    @Test
    void statusQuerySpendsNoTry() {
        selectApAndEf(AUTH_PIN);
        assertEquals("63C3", send(Apdus.pinStatus()));
        assertEquals("63C3", send(Apdus.pinStatus()));
        send(Apdus.verify("0000"));
        assertEquals("63C2", send(Apdus.pinStatus()));
    }

    @Test
    void statusQueryOfALockedPinIs63C0() {
        selectApAndEf(AUTH_PIN);
        for (int i = 0; i < 3; i++) {
            send(Apdus.verify("9999"));
        }
        assertEquals("63C0", send(Apdus.pinStatus()));
    }

    @Test
    void statusQueryOfAVerifiedPinStillAnswersTriesLeft() {
        selectApAndEf(AUTH_PIN);
        send(Apdus.verify(AUTH));
        assertEquals("63C3", send(Apdus.pinStatus()));
    }

    @Test
    void rightPinRestoresAllTries() {
        selectApAndEf(AUTH_PIN);
        send(Apdus.verify("0000"));
        send(Apdus.verify("0000"));
        assertEquals("9000", send(Apdus.verify(AUTH)));
        assertEquals("63C3", send(Apdus.pinStatus()));
    }

    @Test
    void signPinIsComparedExactlySoLowercaseIsWrong() {
        selectApAndEf(SIGN_PIN);
        assertEquals("63C4", send(Apdus.verify(SIGN.toLowerCase())));
    }

    @Test
    void verifyWithoutAPinEfSelectedIsNotAllowed() {
        selectApAndEf(AUTH_CERT);
        assertEquals("6986", send(Apdus.verify(AUTH)));
    }

    @Test
    void verifyWithWrongP2IsWrongP1P2() {
        selectApAndEf(AUTH_PIN);
        assertEquals("6A86", send(command(0x00, 0x20, 0x00, 0x81, AUTH.getBytes(StandardCharsets.US_ASCII), -1)));
    }

    @Test
    void triesLeftSurviveResetAndPowerCycle() {
        selectApAndEf(AUTH_PIN);
        send(Apdus.verify("0000"));
        card.reset();
        selectApAndEf(AUTH_PIN);
        assertEquals("63C2", send(Apdus.pinStatus()));
        card.powerOff();
        card.powerOn();
        selectApAndEf(AUTH_PIN);
        assertEquals("63C2", send(Apdus.pinStatus()));
    }

    @Test
    void aNewCardHasAllTries() {
        selectApAndEf(AUTH_PIN);
        send(Apdus.verify("0000"));
        card = card.newCard();
        card.powerOn();
        selectApAndEf(AUTH_PIN);
        assertEquals("63C3", send(Apdus.pinStatus()));
    }

    // --- PIN state ---

    @Test
    void verifiedPinSurvivesSelectEf() throws Exception {
        selectApAndEf(AUTH_PIN);
        send(Apdus.verify(AUTH));
        send(selectEf(AUTH_CERT));
        send(selectEf(AUTH_KEY));
        assertEquals("9000", send(Apdus.sign(sha256DigestInfo(new byte[] {1}))));
    }

    @Test
    void selectApClearsVerifiedPins() throws Exception {
        selectApAndEf(AUTH_PIN);
        send(Apdus.verify(AUTH));
        selectApAndEf(AUTH_KEY);
        assertEquals("6982", send(Apdus.sign(sha256DigestInfo(new byte[] {1}))));
    }

    @Test
    void resetClearsVerifiedPins() throws Exception {
        selectApAndEf(AUTH_PIN);
        send(Apdus.verify(AUTH));
        card.reset();
        selectApAndEf(AUTH_KEY);
        assertEquals("6982", send(Apdus.sign(sha256DigestInfo(new byte[] {1}))));
    }

    @Test
    void powerCycleClearsVerifiedPins() throws Exception {
        selectApAndEf(SIGN_PIN);
        send(Apdus.verify(SIGN));
        card.powerOff();
        card.powerOn();
        selectApAndEf(SIGN_CERT);
        assertEquals("6982", send(readBinary(0, 4)));
    }

    @Test
    void wrongPinRevokesAnEarlierVerification() throws Exception {
        selectApAndEf(AUTH_PIN);
        send(Apdus.verify(AUTH));
        send(Apdus.verify("0000"));
        send(selectEf(AUTH_KEY));
        assertEquals("6982", send(Apdus.sign(sha256DigestInfo(new byte[] {1}))));
    }

    // --- CHANGE PIN ---

    @Test
    void changedPinReplacesTheOldOne() {
        selectApAndEf(AUTH_PIN);
        send(Apdus.verify(AUTH));
        assertEquals("9000", send(Apdus.changePin("5678")));
        card.reset();
        selectApAndEf(AUTH_PIN);
        assertEquals("63C2", send(Apdus.verify(AUTH)));
        assertEquals("9000", send(Apdus.verify("5678")));
    }

    @Test
    void changePinNeedsVerifyFirst() {
        selectApAndEf(SIGN_PIN);
        assertEquals("6982", send(Apdus.changePin("NEWPIN99")));
    }

    @Test
    void changePinRejectsANewPinOfTheWrongLength() {
        selectApAndEf(AUTH_PIN);
        send(Apdus.verify(AUTH));
        assertEquals("6700", send(Apdus.changePin("12345")));
    }

    @Test
    void changePinRejectsLowercaseSignaturePin() {
        selectApAndEf(SIGN_PIN);
        send(Apdus.verify(SIGN));
        assertEquals("6A80", send(Apdus.changePin("newpin99")));
    }

    @Test
    void changePinOfALockedPinIsBlocked() {
        selectApAndEf(AUTH_PIN);
        for (int i = 0; i < 3; i++) {
            send(Apdus.verify("0000"));
        }
        assertEquals("6983", send(Apdus.changePin("5678")));
    }

    // --- SIGN ---

    @Test
    void authKeySignsADigestInfoVerifiableWithTheAuthCertificate() throws Exception {
        byte[] message = "challenge".getBytes(StandardCharsets.UTF_8);
        selectApAndEf(AUTH_PIN);
        send(Apdus.verify(AUTH));
        send(selectEf(AUTH_KEY));
        byte[] r = card.transmit(Apdus.sign(sha256DigestInfo(message)));
        assertEquals("9000", swHex(r));
        assertEquals(256, data(r).length);
        assertTrue(verifies(IDENTITY.authCertificate(), message, data(r)));
    }

    @Test
    void signKeySignsADigestInfoVerifiableWithTheSignCertificate() throws Exception {
        byte[] message = "document".getBytes(StandardCharsets.UTF_8);
        selectApAndEf(SIGN_PIN);
        send(Apdus.verify(SIGN));
        send(selectEf(SIGN_KEY));
        byte[] r = card.transmit(Apdus.sign(sha256DigestInfo(message)));
        assertEquals("9000", swHex(r));
        assertTrue(verifies(IDENTITY.signCertificate(), message, data(r)));
    }

    @Test
    void signatureIsPkcs1Type1PaddingOfTheDataAsGiven() throws Exception {
        byte[] digestInfo = sha256DigestInfo(new byte[] {42});
        selectApAndEf(AUTH_PIN);
        send(Apdus.verify(AUTH));
        send(selectEf(AUTH_KEY));
        byte[] signature = data(card.transmit(Apdus.sign(digestInfo)));
        javax.crypto.Cipher rsa = javax.crypto.Cipher.getInstance("RSA/ECB/NoPadding");
        rsa.init(javax.crypto.Cipher.DECRYPT_MODE, IDENTITY.authCertificate().getPublicKey());
        byte[] em = rsa.doFinal(signature);
        byte[] expected = new byte[256];
        expected[1] = 0x01;
        java.util.Arrays.fill(expected, 2, 256 - digestInfo.length - 1, (byte) 0xFF);
        System.arraycopy(digestInfo, 0, expected, 256 - digestInfo.length, digestInfo.length);
        assertArrayEquals(expected, em);
    }

    @Test
    void signWithoutVerifiedPinIsSecurityStatusNotSatisfied() throws Exception {
        selectApAndEf(AUTH_KEY);
        assertEquals("6982", send(Apdus.sign(sha256DigestInfo(new byte[] {1}))));
    }

    @Test
    void authPinDoesNotUnlockTheSignatureKey() throws Exception {
        selectApAndEf(AUTH_PIN);
        send(Apdus.verify(AUTH));
        send(selectEf(SIGN_KEY));
        assertEquals("6982", send(Apdus.sign(sha256DigestInfo(new byte[] {1}))));
    }

    @Test
    void signWithoutAKeyEfSelectedIsNotAllowed() throws Exception {
        selectApAndEf(AUTH_PIN);
        send(Apdus.verify(AUTH));
        send(selectEf(AUTH_CERT));
        assertEquals("6986", send(Apdus.sign(sha256DigestInfo(new byte[] {1}))));
    }

    @Test
    void signWithWrongP2IsWrongP1P2() throws Exception {
        selectApAndEf(AUTH_PIN);
        send(Apdus.verify(AUTH));
        send(selectEf(AUTH_KEY));
        assertEquals("6A86", send(command(0x80, 0x2A, 0x9E, 0x9A, sha256DigestInfo(new byte[] {1}), 0)));
    }

    @Test
    void signInputLongerThanPaddingAllowsIsWrongLength() {
        selectApAndEf(AUTH_PIN);
        send(Apdus.verify(AUTH));
        send(selectEf(AUTH_KEY));
        assertEquals("6700", send(Apdus.sign(new byte[246])));
    }

    @Test
    void signWithInterindustryClassIsClassNotSupported() throws Exception {
        selectApAndEf(AUTH_PIN);
        send(Apdus.verify(AUTH));
        send(selectEf(AUTH_KEY));
        assertEquals("6E00", send(command(0x00, 0x2A, 0x00, 0x80, sha256DigestInfo(new byte[] {1}), 0)));
    }

    @Test
    void signingDelayMakesSignAsSlowAsACard() throws Exception {
        JpkiCardEmulator slow = JpkiCardEmulator.builder(IDENTITY).signingDelay(Duration.ofMillis(300)).build();
        slow.powerOn();
        slow.transmit(selectAp());
        slow.transmit(selectEf(AUTH_PIN));
        slow.transmit(Apdus.verify(AUTH));
        slow.transmit(selectEf(AUTH_KEY));
        long start = System.nanoTime();
        assertEquals("9000", swHex(slow.transmit(Apdus.sign(sha256DigestInfo(new byte[] {1})))));
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofMillis(300)) >= 0);
    }

    @Test
    void oneApduAtATimeSoACommandWaitsForARunningSign() throws Exception {
        JpkiCardEmulator slow = JpkiCardEmulator.builder(IDENTITY).signingDelay(Duration.ofMillis(500)).build();
        slow.powerOn();
        slow.transmit(selectAp());
        slow.transmit(selectEf(AUTH_PIN));
        slow.transmit(Apdus.verify(AUTH));
        slow.transmit(selectEf(AUTH_KEY));
        byte[] digestInfo = sha256DigestInfo(new byte[] {7});
        long start = System.nanoTime();
        Thread signer = new Thread(() -> slow.transmit(Apdus.sign(digestInfo)));
        signer.start();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> signer.getState() == Thread.State.TIMED_WAITING);
        // the card is inside SIGN now; the next command is answered only once SIGN is done
        assertEquals("9000", swHex(slow.transmit(selectEf(AUTH_CERT))));
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofMillis(500)) >= 0);
        signer.join(5_000);
    }

    // --- malformed commands ---

    @Test
    void unknownInstructionIsInsNotSupported() {
        assertEquals("6D00", send(command(0x00, 0xCA, 0x00, 0x00, null, 0)));
    }

    @Test
    void unknownClassIsClaNotSupported() {
        assertEquals("6E00", send(command(0x0C, 0xA4, 0x04, 0x0C, Apdus.AID, -1)));
    }

    @Test
    void commandShorterThanAHeaderIsWrongLength() {
        assertEquals("6700", send(new byte[] {0x00, (byte) 0xA4, 0x04}));
    }

    @Test
    void lcNotMatchingTheDataIsWrongLength() {
        assertEquals("6700", send(new byte[] {0x00, (byte) 0xA4, 0x02, 0x0C, 0x02, 0x00}));
    }

    @Test
    void extendedLengthIsWrongLength() {
        assertEquals("6700", send(new byte[] {0x00, (byte) 0xB0, 0x00, 0x00, 0x00, 0x01, 0x00}));
    }
}
