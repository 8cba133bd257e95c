package jp.securetoken.api;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

/**
 * A device's host key, with which a device that has no person at it authenticates to its token
 * instead of with a PIN kept in a file (JAHIS 7.2.2 b, key-based token-entity authentication): the
 * token verifies a challenge the device signed. The key may itself live in a TPM or another token
 * ({@link #of(TokenKey)}).
 */
public interface DeviceKey {

    /** The public half, as enrolled in the token. */
    PublicKey publicKey();

    /** Signs {@code data} with the host key. */
    byte[] sign(SignatureScheme scheme, byte[] data) throws TokenException;

    /** A host key held by another token (a TPM or HSM through PKCS#11, say). */
    static DeviceKey of(TokenKey key) {
        return new DeviceKey() {
            @Override
            public PublicKey publicKey() {
                return key.publicKey();
            }

            @Override
            public byte[] sign(SignatureScheme scheme, byte[] data) throws TokenException {
                return key.sign(scheme, data);
            }
        };
    }

    /** A host key held in memory by JCA (a key file the device reads at start, say). */
    static DeviceKey of(PrivateKey privateKey, PublicKey publicKey) {
        return new DeviceKey() {
            @Override
            public PublicKey publicKey() {
                return publicKey;
            }

            @Override
            public byte[] sign(SignatureScheme scheme, byte[] data) throws TokenException {
                try {
                    Signature s = Signature.getInstance(scheme.jcaAlgorithm());
                    if (scheme.jcaParameters().isPresent()) {
                        s.setParameter(scheme.jcaParameters().get());
                    }
                    s.initSign(privateKey);
                    s.update(data);
                    return s.sign();
                } catch (GeneralSecurityException e) {
                    throw new UnsupportedSignatureSchemeException(scheme, java.util.Set.of());
                }
            }
        };
    }
}
