package jp.securetoken.jpki;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;

import jp.securetoken.api.SignatureScheme;

/**
 * What a JPKI card's SIGN command takes and gives, decided by the key in the card's certificate:
 * an RSA key signs a host-built DigestInfo with PKCS#1 v1.5 padding (the card issued since 2016);
 * an EC key signs the hash and answers {@code r || s} (the next-generation card, an assumption),
 * which is turned into the DER form TLS and JCA use. The schemes follow from the key: PKCS#1 v1.5
 * with SHA-1/256/384/512 for RSA, ECDSA with the curve's own hash for EC.
 */
final class CardSignatures {
    private static final Set<SignatureScheme> RSA = Collections.unmodifiableSet(EnumSet.of(
            SignatureScheme.RSA_PKCS1_SHA1, SignatureScheme.RSA_PKCS1_SHA256, SignatureScheme.RSA_PKCS1_SHA384,
            SignatureScheme.RSA_PKCS1_SHA512));

    private CardSignatures() {
    }

    /** PKCS#1 v1.5 over a DigestInfo with SHA-1/256/384/512. */
    static Set<SignatureScheme> rsaPkcs1() {
        return RSA;
    }

    /** The schemes the card computes with {@code key}'s private half. */
    static Set<SignatureScheme> schemesOf(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            return switch (ec.getParams().getCurve().getField().getFieldSize()) {
                case 256 -> Set.of(SignatureScheme.ECDSA_P256_SHA256);
                case 384 -> Set.of(SignatureScheme.ECDSA_P384_SHA384);
                case 521 -> Set.of(SignatureScheme.ECDSA_P521_SHA512);
                default -> Set.of();
            };
        }
        return "RSA".equals(key.getAlgorithm()) ? RSA : Set.of();
    }

    /** The data of the SIGN command: the DigestInfo for RSA, the hash itself for EC. */
    static byte[] cardInput(PublicKey key, SignatureScheme scheme, byte[] digest) {
        return key instanceof ECPublicKey ? digest.clone() : scheme.digestInfo(digest);
    }

    /** The signature in its usual encoding: as the card gave it for RSA, DER for an EC card's {@code r || s}. */
    static byte[] fromCard(PublicKey key, byte[] answer) {
        if (!(key instanceof ECPublicKey) || answer.length == 0 || answer.length % 2 != 0) {
            return answer;
        }
        int half = answer.length / 2;
        try {
            return new DERSequence(new ASN1Encodable[] {
                new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(answer, 0, half))),
                new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(answer, half, answer.length)))}).getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException("encoding two integers in memory failed", e);
        }
    }

    /** Whether {@code signature} (usual encoding) is {@code key}'s signature over {@code cardInput}. */
    static boolean verifies(PublicKey key, byte[] cardInput, byte[] signature) {
        try {
            Signature v = Signature.getInstance(key instanceof ECPublicKey ? "NONEwithECDSA" : "NONEwithRSA");
            v.initVerify(key);
            v.update(cardInput);
            return v.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
