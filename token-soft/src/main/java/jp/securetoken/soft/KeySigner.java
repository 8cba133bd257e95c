package jp.securetoken.soft;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.math.BigInteger;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;

import org.bouncycastle.crypto.CryptoException;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.engines.RSABlindedEngine;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.params.RSAPrivateCrtKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.crypto.signers.PSSSigner;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.bouncycastle.crypto.util.PrivateKeyFactory;

import jp.securetoken.api.SignatureScheme;

/** Signs a precomputed digest with a private key as a scheme says: PKCS#1 v1.5 DigestInfo, PSS, or ECDSA. */
final class KeySigner {
    private static final SecureRandom RANDOM = new SecureRandom();

    private KeySigner() {
    }

    static byte[] signDigest(PrivateKey key, SignatureScheme scheme, byte[] digest) {
        scheme.requireDigestLength(digest);
        try {
            return switch (scheme.padding()) {
                case PKCS1 -> jca("NONEwithRSA", key, scheme.digestInfo(digest));
                case NONE -> key instanceof ECPrivateKey ec && EcCurves.domain(ec) != null
                        ? ecdsa(ec, scheme, digest) : jca("NONEwithECDSA", key, digest);
                case PSS -> pss(key, scheme, digest);
            };
        } catch (GeneralSecurityException | IOException | CryptoException e) {
            throw new IllegalStateException("signing with a key the token holds failed", e);
        }
    }

    private static byte[] jca(String algorithm, PrivateKey key, byte[] input) throws GeneralSecurityException {
        Signature s = Signature.getInstance(algorithm);
        s.initSign(key, RANDOM);
        s.update(input);
        return s.sign();
    }

    /**
     * ECDSA through BouncyCastle's lightweight signer on its optimised NIST curves, with the nonce
     * derived as RFC 6979 says (no dependence on the random source for the nonce's secrecy). The
     * JDK's ECDSA took about 0.47 ms a P-256 signature here against BouncyCastle's fixed-point comb
     * multiplier at a fraction of that (ServerWorkBenchmark prints both), and a TLS server signs once
     * per full handshake.
     */
    private static byte[] ecdsa(ECPrivateKey key, SignatureScheme scheme, byte[] digest) throws IOException {
        ECDomainParameters domain = EcCurves.domain(key);
        ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(digest(scheme)));
        signer.init(true, new ECPrivateKeyParameters(key.getS(), domain));
        BigInteger[] rs = signer.generateSignature(digest);
        return StandardDSAEncoding.INSTANCE.encode(domain.getN(), rs[0], rs[1]);
    }

    private static byte[] pss(PrivateKey key, SignatureScheme scheme, byte[] digest)
            throws IOException, CryptoException {
        PSSSigner signer = PSSSigner.createRawSigner(new RSABlindedEngine(), digest(scheme), digest(scheme),
                scheme.digestLength(), PSSSigner.TRAILER_IMPLICIT);
        signer.init(true, new ParametersWithRandom(rsaParameters(key), RANDOM));
        signer.update(digest, 0, digest.length);
        return signer.generateSignature();
    }

    /**
     * The key as BouncyCastle's RSA engine takes it. A CRT key (every key this token makes or reads)
     * is handed over as its CRT numbers, so the engine signs with the Chinese Remainder Theorem and
     * no encoded copy of the key is made and parsed per signature (that was half the time of an
     * RSA-2048 PSS signature); anything else goes through its PKCS#8 encoding, wiped after use.
     */
    private static AsymmetricKeyParameter rsaParameters(PrivateKey key) throws IOException {
        if (key instanceof RSAPrivateCrtKey k) {
            return new RSAPrivateCrtKeyParameters(k.getModulus(), k.getPublicExponent(), k.getPrivateExponent(),
                    k.getPrimeP(), k.getPrimeQ(), k.getPrimeExponentP(), k.getPrimeExponentQ(), k.getCrtCoefficient());
        }
        byte[] pkcs8 = key.getEncoded();
        try {
            return PrivateKeyFactory.createKey(pkcs8);
        } finally {
            Crypto.wipe(pkcs8);
        }
    }

    private static Digest digest(SignatureScheme scheme) {
        return switch (scheme.digestAlgorithm()) {
            case "SHA-256" -> new SHA256Digest();
            case "SHA-384" -> new SHA384Digest();
            default -> new SHA512Digest();
        };
    }
}
