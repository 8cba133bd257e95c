package jp.securetoken.jpki;

import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;

import javax.smartcardio.CardTerminal;

import jp.securetoken.api.PinCallback;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.jpki.emulator.JpkiCardEmulator;
import jp.securetoken.jpki.emulator.JpkiCardIdentity;
import jp.securetoken.jpki.emulator.JpkiPinRole;
import jp.securetoken.jpki.emulator.Pcscd;
import jp.securetoken.jpki.emulator.PcscReader;
import jp.securetoken.jpki.emulator.VpcdCardConnection;

/**
 * A fresh emulated My Number Card (all tries left) in pcscd's vpcd reader. The identity (keys and
 * certificates) is made once per test JVM: RSA key generation is the slow part.
 */
final class CardInReader implements AutoCloseable {
    static final JpkiCardIdentity IDENTITY = JpkiCardIdentity.generate();
    static final String AUTH_PIN = IDENTITY.pin(JpkiPinRole.AUTHENTICATION);
    static final String SIGN_PIN = IDENTITY.pin(JpkiPinRole.SIGNATURE);
    static final String READER = Pcscd.READER;

    final JpkiCardEmulator card;
    final VpcdCardConnection connection;
    final CardTerminal reader;

    private CardInReader(JpkiCardEmulator card) {
        this.card = card;
        this.connection = VpcdCardConnection.builder(card).build();
        this.reader = PcscReader.vpcd();
    }

    static CardInReader insert() {
        return insert(Duration.ZERO);
    }

    static CardInReader insert(Duration signingDelay) {
        return insert(JpkiCardEmulator.builder(IDENTITY).signingDelay(signingDelay).build());
    }

    /** Inserts {@code emulator}, e.g. a card with another identity. */
    static CardInReader insert(JpkiCardEmulator emulator) {
        CardInReader c = new CardInReader(emulator);
        c.reinsert();
        return c;
    }

    /** Pulls the card out and waits until pcscd sees it gone. */
    void remove() {
        connection.remove();
        PcscReader.awaitCard(reader, false);
    }

    /** Puts the card back and waits until pcscd sees it. */
    void reinsert() {
        connection.insert();
        PcscReader.awaitCard(reader, true);
    }

    @Override
    public void close() {
        remove();
    }

    /** A PIN callback that hands out a fresh copy of {@code pin} each time. */
    static PinCallback pin(String pin) {
        return request -> pin.toCharArray();
    }

    static boolean verifies(X509Certificate certificate, SignatureScheme scheme, byte[] data, byte[] signature)
            throws Exception {
        Signature v = Signature.getInstance(scheme.jcaAlgorithm());
        v.initVerify(certificate);
        v.update(data);
        return v.verify(signature);
    }
}
