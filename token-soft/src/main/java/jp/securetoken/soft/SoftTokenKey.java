package jp.securetoken.soft;

import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

import jp.securetoken.api.CommandQueue;
import jp.securetoken.api.QueuedTokenKey;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenException;

/**
 * A handle to one private key in a software token, named by alias and public key. It never
 * exposes the private key; signing runs on the token's queue and needs a logged-in token.
 */
final class SoftTokenKey extends QueuedTokenKey {
    private final SoftToken token;
    private final String alias;

    SoftTokenKey(SoftToken token, String alias, PublicKey publicKey) {
        super(publicKey, schemesFor(publicKey));
        this.token = token;
        this.alias = alias;
    }

    static Set<SignatureScheme> schemesFor(PublicKey key) {
        EnumSet<SignatureScheme> s = EnumSet.noneOf(SignatureScheme.class);
        if (key instanceof ECPublicKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            if (bits == 256) {
                s.add(SignatureScheme.ECDSA_P256_SHA256);
            } else if (bits == 384) {
                s.add(SignatureScheme.ECDSA_P384_SHA384);
            }
        } else if ("RSA".equals(key.getAlgorithm())) {
            s.addAll(EnumSet.of(SignatureScheme.RSA_PKCS1_SHA256, SignatureScheme.RSA_PKCS1_SHA384,
                    SignatureScheme.RSA_PKCS1_SHA512, SignatureScheme.RSA_PSS_SHA256, SignatureScheme.RSA_PSS_SHA384,
                    SignatureScheme.RSA_PSS_SHA512));
        }
        return Collections.unmodifiableSet(s);
    }

    String alias() {
        return alias;
    }

    @Override
    protected CommandQueue queue() {
        return token.queue();
    }

    @Override
    protected byte[] signOnQueue(SignatureScheme scheme, byte[] digest) throws TokenException {
        return token.signDigest(alias, publicKey(), scheme, digest);
    }

    @Override
    public String toString() {
        return "SoftTokenKey[alias=" + alias + ", algorithm=" + algorithm() + ", token=" + token.info().label() + "]";
    }
}
