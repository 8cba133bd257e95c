package jp.securetoken.pkcs11;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.util.EnumSet;
import java.util.Set;

import jp.securetoken.api.CommandQueue;
import jp.securetoken.api.QueuedTokenKey;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenException;

/**
 * A private key object in a PKCS#11 token (sensitive, not extractable): either SunPKCS11's handle
 * of a key paired with its certificate by CKA_ID, or, for a key paired only by CKA_LABEL (which
 * SunPKCS11's KeyStore does not pair), the label by which the key object is found for C_Sign.
 * Signing runs on the token's queue. The object handle found for C_Sign is kept with the key: a key
 * read again from the token is a new {@code Pkcs11Key}, which looks its object up afresh.
 */
final class Pkcs11Key extends QueuedTokenKey {
    private final Pkcs11Token token;
    private final String alias;
    private final PrivateKey privateKey;
    private final String objectLabel;
    /** The private key object's handle once found for C_Sign, and the token's handle generation then (queue thread only). */
    private long handle;
    private long handleGeneration = -1;

    Pkcs11Key(Pkcs11Token token, String alias, PrivateKey privateKey, PublicKey publicKey,
            Set<SignatureScheme> tokenSchemes) {
        this(token, alias, privateKey, null, publicKey, tokenSchemes);
    }

    /** A key found by its CKA_LABEL, signed with through C_Sign directly. */
    static Pkcs11Key byLabel(Pkcs11Token token, String label, PublicKey publicKey, Set<SignatureScheme> tokenSchemes) {
        return new Pkcs11Key(token, label, null, label, publicKey, tokenSchemes);
    }

    private Pkcs11Key(Pkcs11Token token, String alias, PrivateKey privateKey, String objectLabel, PublicKey publicKey,
            Set<SignatureScheme> tokenSchemes) {
        super(publicKey, fitting(tokenSchemes, publicKey));
        this.token = token;
        this.alias = alias;
        this.privateKey = privateKey;
        this.objectLabel = objectLabel;
    }

    private static Set<SignatureScheme> fitting(Set<SignatureScheme> tokenSchemes, PublicKey publicKey) {
        EnumSet<SignatureScheme> s = EnumSet.noneOf(SignatureScheme.class);
        for (SignatureScheme scheme : tokenSchemes) {
            if (fits(scheme, publicKey)) {
                s.add(scheme);
            }
        }
        return s;
    }

    private static boolean fits(SignatureScheme scheme, PublicKey key) {
        if (!scheme.keyAlgorithm().equals(key.getAlgorithm())) {
            return false;
        }
        if (key instanceof ECPublicKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            return switch (scheme) {
                case ECDSA_P256_SHA256 -> bits == 256;
                case ECDSA_P384_SHA384 -> bits == 384;
                case ECDSA_P521_SHA512 -> bits == 521;
                default -> false;
            };
        }
        return scheme != SignatureScheme.RSA_PKCS1_SHA1;
    }

    String alias() {
        return alias;
    }

    /** SunPKCS11's key, or null for a key paired by label. */
    PrivateKey privateKey() {
        return privateKey;
    }

    /** The CKA_LABEL of a key paired by label, or null. */
    String objectLabel() {
        return objectLabel;
    }

    /** The private key object's handle found in handle generation {@code generation}, if any. */
    java.util.OptionalLong handle(long generation) {
        return generation == handleGeneration ? java.util.OptionalLong.of(handle) : java.util.OptionalLong.empty();
    }

    /** Remembers the handle of this key's private key object, found in handle generation {@code generation}. */
    void rememberHandle(long generation, long objectHandle) {
        this.handle = objectHandle;
        this.handleGeneration = generation;
    }

    @Override
    protected CommandQueue queue() {
        return token.queue();
    }

    @Override
    protected byte[] signOnQueue(SignatureScheme scheme, byte[] digest) throws TokenException {
        return token.signDigest(this, scheme, digest);
    }

    @Override
    public String toString() {
        return "Pkcs11Key[alias=" + alias + ", algorithm=" + algorithm() + "]";
    }
}
