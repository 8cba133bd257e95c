package jp.securetoken.jpki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import jp.securetoken.api.Credential;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenNotPresentException;
import jp.securetoken.api.TokenObject;
import jp.securetoken.jpki.emulator.EmulatedReader;
import jp.securetoken.jpki.emulator.JpkiCardEmulator;
import jp.securetoken.jpki.emulator.JpkiCardIdentity;
import jp.securetoken.jpki.emulator.JpkiPinRole;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.NodeAuthenticatedEvent;
import org.junit.jupiter.api.Test;

/**
 * Card layouts as data: the JPKI application selected again after another application took the
 * card, and the next-generation profile (EC P-384 key, another AID and file layout) whose schemes
 * come from its certificate and which serves TLS 1.3 end to end. Over the in-JVM emulated reader.
 */
class CardProfileTest {
    private static final JpkiCardIdentity RSA_CARD = JpkiCardIdentity.generate();
    private static final JpkiCardIdentity NEXT_CARD = JpkiCardIdentity.builder().ecP384().build();
    private static final byte[] DATA = "qualification check challenge".getBytes(StandardCharsets.UTF_8);

    private static PinCallback authPin(JpkiCardIdentity identity) {
        return request -> identity.pin(JpkiPinRole.AUTHENTICATION).toCharArray();
    }

    private static SecureToken open(EmulatedReader reader, String uri) throws Exception {
        return SecureTokens.of(new JpkiTokenProvider(reader.terminalFactory())).open(uri);
    }

    @Test
    void anotherApplicationSelectingTheCardFaceApplicationIsHealedByReselecting() throws Exception {
        JpkiCardEmulator card = JpkiCardEmulator.of(RSA_CARD);
        EmulatedReader reader = new EmulatedReader(card);
        try (SecureToken token = open(reader, "jpki:auth")) {
            token.login(authPin(RSA_CARD));
            Credential auth = token.credentials().get(0);
            // another program on the host selects the card-face input-support application
            byte[] select = HexFormat.of().parseHex("00A4040C0A" + JpkiCardProfile.MY_NUMBER_CARD.otherAidsHex()
                    .get(0));
            assertEquals("9000", HexFormat.of().formatHex(card.transmit(select)));
            assertEquals(3, token.pinStatus(PinRole.USER).retriesLeft(), "SELECT EF answered 6A82 and was healed");
            assertThrows(LoginRequiredException.class, () -> auth.key().sign(SignatureScheme.RSA_PKCS1_SHA256, DATA),
                    "selecting the application again cleared the card's PIN");
            token.login(authPin(RSA_CARD));
            assertTrue(verifies("SHA256withRSA", auth, auth.key().sign(SignatureScheme.RSA_PKCS1_SHA256, DATA)));
        }
    }

    @Test
    void theNextGenerationCardSignsEcdsaP384AsItsCertificateSays() throws Exception {
        EmulatedReader reader = new EmulatedReader(JpkiCardEmulator.builder(NEXT_CARD)
                .profile(JpkiCardProfile.NEXT_GENERATION).build());
        try (SecureToken token = open(reader, "jpki:auth")) {
            assertEquals(JpkiCardProfile.NEXT_GENERATION, ((JpkiToken) token).profile());
            assertEquals(Set.of(SignatureScheme.ECDSA_P384_SHA384), token.signatureSchemes());
            token.login(authPin(NEXT_CARD));
            Credential auth = token.credentials().get(0);
            assertEquals(NEXT_CARD.authCertificate(), auth.certificate());
            assertEquals(Set.of(SignatureScheme.ECDSA_P384_SHA384), auth.key().signatureSchemes());
            assertTrue(verifies("SHA384withECDSA", auth, auth.key().sign(SignatureScheme.ECDSA_P384_SHA384, DATA)));
        }
        try (SecureToken token = open(reader, "jpki:auth?profile=next-generation")) {
            assertEquals("jpki:auth?profile=next-generation", token.info().uri().toString());
        }
        assertThrows(TokenNotPresentException.class, () -> open(reader, "jpki:auth?profile=my-number-card"),
                "a profile the card does not have finds no JPKI application");
    }

    @Test
    void theCaCertificateIsAnObjectReadableWithoutPin() throws Exception {
        EmulatedReader reader = new EmulatedReader(JpkiCardEmulator.of(RSA_CARD));
        try (SecureToken token = open(reader, "jpki:sign")) {
            List<TokenObject> objects = token.objects();
            assertEquals(1, objects.size(), "the signature certificate needs the PIN");
            assertEquals(RSA_CARD.signCaCertificate(), objects.get(0).certificate());
            assertEquals("0002", objects.get(0).idHex());
            assertEquals(Set.of(SignatureScheme.RSA_PKCS1_SHA1, SignatureScheme.RSA_PKCS1_SHA256,
                    SignatureScheme.RSA_PKCS1_SHA384, SignatureScheme.RSA_PKCS1_SHA512), token.signatureSchemes(),
                    "before the PIN, the CA certificate's key type stands in");
        }
    }

    @Test
    void theNextGenerationCardServesTls13EndToEnd() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        JpkiCardEmulator card = JpkiCardEmulator.builder(NEXT_CARD).profile(JpkiCardProfile.NEXT_GENERATION).build();
        try (SecureToken token = open(new EmulatedReader(card), "jpki:auth")) {
            token.login(authPin(NEXT_CARD));
            CardTlsExchange.Outcome o = CardTlsExchange.run(group, TestPki.create("Regional Gateway CA"),
                    NEXT_CARD.authCaCertificate(), token, "auth");
            assertEquals(List.of("TLSv1.3", "TLSv1.2"), o.offered());
            assertEquals("TLSv1.3", assertInstanceOf(NodeAuthenticatedEvent.class, o.clientEvent()).identity()
                    .protocol());
            assertEquals(NEXT_CARD.authCertificate(), o.clientSeenByServer());
            assertEquals("hello", o.echoed());
            assertTrue(card.signCommands() >= 1, "the card signed the CertificateVerify");
        } finally {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    private static boolean verifies(String algorithm, Credential credential, byte[] signature) throws Exception {
        Signature v = Signature.getInstance(algorithm);
        v.initVerify(credential.certificate());
        v.update(DATA);
        return v.verify(signature);
    }
}
