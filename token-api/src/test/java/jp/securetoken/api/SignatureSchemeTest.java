package jp.securetoken.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.oiw.OIWObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.DigestInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SignatureSchemeTest {

    @Test
    void digestInfoIsTheDerEncodingRfc8017Specifies() throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest("hello".getBytes());
        byte[] expected = new DigestInfo(new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256, DERNull.INSTANCE),
                digest).getEncoded("DER");
        assertArrayEquals(expected, SignatureScheme.RSA_PKCS1_SHA256.digestInfo(digest));
    }

    @Test
    void digestInfoOfEveryPkcs1HashMatchesBouncyCastle() throws Exception {
        var oids = java.util.Map.of(
                SignatureScheme.RSA_PKCS1_SHA1, OIWObjectIdentifiers.idSHA1,
                SignatureScheme.RSA_PKCS1_SHA384, NISTObjectIdentifiers.id_sha384,
                SignatureScheme.RSA_PKCS1_SHA512, NISTObjectIdentifiers.id_sha512);
        for (var e : oids.entrySet()) {
            byte[] digest = MessageDigest.getInstance(e.getKey().digestAlgorithm()).digest(new byte[] {1, 2, 3});
            byte[] expected = new DigestInfo(new AlgorithmIdentifier(e.getValue(), DERNull.INSTANCE), digest)
                    .getEncoded("DER");
            assertArrayEquals(expected, e.getKey().digestInfo(digest), e.getKey().name());
        }
    }

    @ParameterizedTest
    @EnumSource(value = SignatureScheme.class, names = "RSA_PKCS1_.*", mode = EnumSource.Mode.MATCH_ANY)
    void aDigestInfoMapsBackToItsScheme(SignatureScheme scheme) {
        byte[] digestInfo = scheme.digestInfo(new byte[scheme.digestLength()]);
        assertEquals(scheme, SignatureScheme.fromDigestInfo(digestInfo).orElseThrow());
    }

    @Test
    void aDigestOfTheWrongLengthIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> SignatureScheme.RSA_PKCS1_SHA256.digestInfo(new byte[20]));
    }

    @Test
    void onlyPkcs1SchemesHaveADigestInfo() {
        assertThrows(IllegalStateException.class, () -> SignatureScheme.RSA_PSS_SHA256.digestInfo(new byte[32]));
    }

    @Test
    void tls13RefusesPkcs1ButAllowsPssAndEcdsa() {
        assertFalse(SignatureScheme.RSA_PKCS1_SHA256.allowedInTls13());
        assertTrue(SignatureScheme.RSA_PSS_SHA256.allowedInTls13());
        assertTrue(SignatureScheme.ECDSA_P256_SHA256.allowedInTls13());
    }

    @Test
    void tlsNamesAndCodePointsAreTheRegisteredOnes() {
        assertEquals(0x0804, SignatureScheme.forTlsName("rsa_pss_rsae_sha256").orElseThrow().tlsCodePoint());
        assertEquals(0x0403, SignatureScheme.ECDSA_P256_SHA256.tlsCodePoint());
        assertEquals("SHA256withRSA", SignatureScheme.RSA_PKCS1_SHA256.jcaAlgorithm());
        assertEquals("RSASSA-PSS", SignatureScheme.RSA_PSS_SHA384.jcaAlgorithm());
    }

    @ParameterizedTest
    @EnumSource(SignatureScheme.class)
    void objectIdentifiersNameTheSchemeBackUniquely(SignatureScheme scheme) {
        assertEquals(scheme, SignatureScheme.forOids(scheme.signatureAlgorithmOid(), scheme.digestOid()).orElseThrow());
    }

    @Test
    void objectIdentifiersAreThoseBouncyCastleKnows() {
        assertEquals(org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.sha256WithRSAEncryption.getId(),
                SignatureScheme.RSA_PKCS1_SHA256.signatureAlgorithmOid());
        assertEquals(org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.id_RSASSA_PSS.getId(),
                SignatureScheme.RSA_PSS_SHA384.signatureAlgorithmOid());
        assertEquals(org.bouncycastle.asn1.x9.X9ObjectIdentifiers.ecdsa_with_SHA384.getId(),
                SignatureScheme.ECDSA_P384_SHA384.signatureAlgorithmOid());
        assertEquals(NISTObjectIdentifiers.id_sha512.getId(), SignatureScheme.RSA_PSS_SHA512.digestOid());
        assertEquals(OIWObjectIdentifiers.idSHA1.getId(), SignatureScheme.RSA_PKCS1_SHA1.digestOid());
        assertTrue(SignatureScheme.forOids("1.2.840.113549.1.1.10", "1.2.3").isEmpty());
    }
}
