package jp.securetoken.jpki.emulator;

import static jp.securetoken.jpki.emulator.Apdus.selectAp;
import static jp.securetoken.jpki.emulator.Apdus.selectEf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.util.HexFormat;
import java.util.List;

import javax.smartcardio.Card;
import javax.smartcardio.CardChannel;
import javax.smartcardio.CardException;
import javax.smartcardio.CardTerminal;
import javax.smartcardio.CommandAPDU;
import javax.smartcardio.ResponseAPDU;

import jp.securetoken.api.SignatureScheme;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The emulator as a card in pcscd's vpcd reader, driven through the JDK's javax.smartcardio. */
@ExtendWith(PcscdExtension.class)
class SmartcardioThroughPcscdTest {

    private static final JpkiCardIdentity IDENTITY = JpkiCardIdentity.generate();

    private CardTerminal reader;
    private VpcdCardConnection connection;
    private Card card;

    @BeforeEach
    void insertCard() {
        reader = PcscReader.vpcd();
        connection = VpcdCardConnection.builder(JpkiCardEmulator.of(IDENTITY)).build();
        connection.insert();
        PcscReader.awaitCard(reader, true);
    }

    @AfterEach
    void removeCard() throws CardException {
        if (card != null) {
            card.disconnect(false);
        }
        connection.close();
        PcscReader.awaitCard(reader, false);
    }

    private CardChannel channel() throws CardException {
        card = reader.connect("*");
        return card.getBasicChannel();
    }

    private static ResponseAPDU send(CardChannel channel, byte[] apdu) throws CardException {
        return channel.transmit(new CommandAPDU(apdu));
    }

    @Test
    void pcscdListsTheVirtualReader() throws CardException {
        List<String> names = PcscReader.factory().terminals().list().stream().map(CardTerminal::getName).toList();
        assertTrue(names.contains(Pcscd.READER), names.toString());
    }

    @Test
    void insertedCardAnswersWithTheJpkiAtr() throws CardException {
        channel();
        assertEquals("3be000ff8131fe4514", HexFormat.of().formatHex(card.getATR().getBytes()));
    }

    @Test
    void readsTheAuthCertificateThroughPcscd() throws Exception {
        CardChannel ch = channel();
        assertEquals(0x9000, send(ch, selectAp()).getSW());
        assertEquals(0x9000, send(ch, selectEf(Apdus.AUTH_CERT)).getSW());
        byte[] head = send(ch, Apdus.readBinary(0, 4)).getData();
        int length = (((head[2] & 0xFF) << 8) | (head[3] & 0xFF)) + 4;
        ByteArrayOutputStream der = new ByteArrayOutputStream();
        while (der.size() < length) {
            ResponseAPDU r = send(ch, Apdus.readBinary(der.size(), 0));
            assertEquals(0x9000, r.getSW());
            der.writeBytes(r.getData());
        }
        assertEquals(IDENTITY.authCertificate(), CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der.toByteArray(), 0, length)));
    }

    @Test
    void unknownAidIsFileNotFoundThroughPcscd() throws CardException {
        assertEquals(0x6A82, send(channel(), Apdus.selectAid(HexFormat.of().parseHex("A0000003974349445F0100"),
                0x00)).getSW());
    }

    @Test
    void verifiesThePinAndSignsThroughPcscd() throws Exception {
        byte[] message = "through pcscd".getBytes(StandardCharsets.UTF_8);
        CardChannel ch = channel();
        send(ch, selectAp());
        send(ch, selectEf(Apdus.AUTH_PIN));
        assertEquals(0x9000, send(ch, Apdus.verify(IDENTITY.pin(JpkiPinRole.AUTHENTICATION))).getSW());
        send(ch, selectEf(Apdus.AUTH_KEY));
        byte[] digestInfo = SignatureScheme.RSA_PKCS1_SHA256.digestInfo(
                MessageDigest.getInstance("SHA-256").digest(message));
        ResponseAPDU r = send(ch, Apdus.sign(digestInfo));
        assertEquals(0x9000, r.getSW());
        Signature v = Signature.getInstance("SHA256withRSA");
        v.initVerify(IDENTITY.authCertificate());
        v.update(message);
        assertTrue(v.verify(r.getData()));
    }

    @Test
    void wrongPinCountsDownThroughPcscd() throws CardException {
        CardChannel ch = channel();
        send(ch, selectAp());
        send(ch, selectEf(Apdus.SIGN_PIN));
        assertEquals(0x63C4, send(ch, Apdus.verify("WRONG99")).getSW());
        assertEquals(0x63C4, send(ch, Apdus.pinStatus()).getSW());
    }

    @Test
    void removalAndReinsertionAreSeenByTheReader() throws Exception {
        CardChannel ch = channel();
        send(ch, selectAp());
        send(ch, selectEf(Apdus.AUTH_PIN));
        assertEquals(0x63C2, send(ch, Apdus.verify("0000")).getSW());
        assertEquals(0x9000, send(ch, Apdus.verify(IDENTITY.pin(JpkiPinRole.AUTHENTICATION))).getSW());
        card.disconnect(false);
        card = null;

        connection.remove();
        PcscReader.awaitCard(reader, false);
        connection.insert();
        PcscReader.awaitCard(reader, true);

        ch = channel();
        send(ch, selectAp());
        send(ch, selectEf(Apdus.AUTH_KEY));
        // the power cycle of removal cleared the verified PIN
        assertEquals(0x6982, send(ch, Apdus.sign(new byte[51])).getSW());
        send(ch, selectEf(Apdus.AUTH_PIN));
        assertEquals(0x63C3, send(ch, Apdus.pinStatus()).getSW());
        assertArrayEquals(connection.card().atr(), card.getATR().getBytes());
    }
}
