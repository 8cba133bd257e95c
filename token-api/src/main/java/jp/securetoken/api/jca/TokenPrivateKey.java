package jp.securetoken.api.jca;

import java.io.NotSerializableException;
import java.io.ObjectStreamException;
import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.interfaces.ECKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECParameterSpec;
import jp.securetoken.api.TokenKey;

/**
 * A token's private key as a JCA {@link PrivateKey}, for JSSE and any other JCA user. It is opaque:
 * {@link #getEncoded()} and {@link #getFormat()} are {@code null}, and signing goes through the
 * {@link SecureTokenProvider}'s signature services to the token. It carries the public parameters
 * (RSA modulus, EC curve) that TLS stacks read to choose a signature scheme.
 */
public abstract sealed class TokenPrivateKey implements PrivateKey
        permits TokenPrivateKey.Rsa, TokenPrivateKey.Ec {
    private static final long serialVersionUID = 1L;

    private final transient TokenKey tokenKey;

    private TokenPrivateKey(TokenKey tokenKey) {
        this.tokenKey = tokenKey;
    }

    /** Wraps a token key as a JCA private key of the right type (RSA or EC). */
    public static TokenPrivateKey of(TokenKey key) {
        if (key.publicKey() instanceof RSAPublicKey) {
            return new Rsa(key);
        }
        if (key.publicKey() instanceof ECPublicKey) {
            return new Ec(key);
        }
        throw new IllegalArgumentException("unsupported token key type " + key.algorithm());
    }

    /** The token key this wraps. */
    public TokenKey tokenKey() {
        return tokenKey;
    }

    @Override
    public String getAlgorithm() {
        return tokenKey.algorithm();
    }

    /** Always {@code null}: the key cannot be exported. */
    @Override
    public String getFormat() {
        return null;
    }

    /** Always {@code null}: the key cannot be exported. */
    @Override
    public byte[] getEncoded() {
        return null;
    }

    protected final Object writeReplace() throws ObjectStreamException {
        throw new NotSerializableException("a token key cannot be serialized");
    }

    @Override
    public String toString() {
        return "TokenPrivateKey[" + tokenKey.algorithm() + ", non-exportable]";
    }

    /** An RSA key in a token. */
    public static final class Rsa extends TokenPrivateKey implements RSAKey {
        private static final long serialVersionUID = 1L;

        private Rsa(TokenKey key) {
            super(key);
        }

        @Override
        public BigInteger getModulus() {
            return ((RSAPublicKey) tokenKey().publicKey()).getModulus();
        }
    }

    /** An EC key in a token. */
    public static final class Ec extends TokenPrivateKey implements ECKey {
        private static final long serialVersionUID = 1L;

        private Ec(TokenKey key) {
            super(key);
        }

        @Override
        public ECParameterSpec getParams() {
            return ((ECPublicKey) tokenKey().publicKey()).getParams();
        }
    }
}
