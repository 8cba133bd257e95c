package jp.securetoken.soft;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

import jp.securetoken.api.DeviceKey;
import jp.securetoken.api.DeviceKeyRejectedException;
import jp.securetoken.api.OperationNotSupportedException;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenCorruptException;
import jp.securetoken.api.TokenException;

/**
 * The device key enrolled in a software token (JAHIS 7.2.2 b): its public key, and the data key
 * wrapped under a key that only the device's host key can reconstruct. A software token is a file,
 * so checking a signature alone would protect nothing from someone who copies the file: the wrap's
 * key is derived from the device's signature over a message bound to this token and slot (a
 * random salt), and RSA PKCS#1 v1.5 signatures are deterministic, so the same device key gives the
 * same signature and unlocks the data key, and no other does. Login also has the device sign a
 * fresh challenge, verified with the enrolled public key, so a live device key is needed each time.
 * ECDSA keys sign randomly and cannot unlock a file this way: they are refused at enrolment.
 *
 * <p>Stored as a reserved user-data record in the public section (no file-format change); the
 * token hides it from {@code userData()}.
 */
record DeviceSlot(byte[] publicKey, byte[] salt, byte[] nonce, byte[] wrappedKey) {
    /** The reserved record's name; user data names starting with {@code securetoken.} are refused. */
    static final String RECORD = "securetoken.device-key";
    static final String RESERVED_PREFIX = "securetoken.";
    static final SignatureScheme SCHEME = SignatureScheme.RSA_PKCS1_SHA256;
    private static final byte[] UNLOCK = "securetoken device unlock v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHALLENGE = "securetoken device challenge v1".getBytes(StandardCharsets.US_ASCII);

    /** Enrols {@code device} for the token {@code serial}, wrapping {@code dataKey}. */
    static DeviceSlot enrol(DeviceKey device, String serial, byte[] dataKey) throws TokenException {
        if (!(device.publicKey() instanceof RSAPublicKey)) {
            throw new OperationNotSupportedException("Enrolling a " + device.publicKey().getAlgorithm()
                    + " device key in a software token", "its signatures are not deterministic, so they cannot unlock"
                    + " the token file; use an RSA host key (PKCS#1 v1.5)");
        }
        byte[] salt = Crypto.random(Crypto.SALT_LENGTH);
        byte[] pub = device.publicKey().getEncoded();
        byte[] kek = unlockKey(device, pub, serial, salt);
        try {
            byte[] nonce = Crypto.random(Crypto.NONCE_LENGTH);
            return new DeviceSlot(pub, salt, nonce, Crypto.seal(kek, nonce, aad(pub, salt), dataKey));
        } finally {
            Crypto.wipe(kek);
        }
    }

    /**
     * Checks {@code device} against this slot (same public key, a fresh challenge signed and
     * verified) and returns the data key.
     *
     * @throws DeviceKeyRejectedException when the key is not the enrolled one or a signature fails
     */
    byte[] unlock(DeviceKey device, String serial) throws TokenException {
        if (!Arrays.equals(publicKey, device.publicKey().getEncoded())) {
            throw new DeviceKeyRejectedException("it is not the device key enrolled in this token");
        }
        PublicKey enrolled = enrolledKey();
        byte[] challenge = concat(CHALLENGE, serial.getBytes(StandardCharsets.UTF_8), Crypto.random(32));
        if (!verifies(enrolled, challenge, device.sign(SCHEME, challenge))) {
            throw new DeviceKeyRejectedException("its signature over the token's challenge does not verify");
        }
        byte[] kek = unlockKey(device, publicKey, serial, salt);
        try {
            byte[] key = Crypto.open(kek, nonce, aad(publicKey, salt), wrappedKey);
            if (key == null) {
                throw new DeviceKeyRejectedException("its signature does not unlock the token");
            }
            return key;
        } finally {
            Crypto.wipe(kek);
        }
    }

    private static byte[] unlockKey(DeviceKey device, byte[] pub, String serial, byte[] salt) throws TokenException {
        byte[] message = concat(UNLOCK, serial.getBytes(StandardCharsets.UTF_8), salt);
        byte[] signature = device.sign(SCHEME, message);
        try {
            if (!verifies(KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(pub)), message,
                    signature)) {
                throw new DeviceKeyRejectedException("its signature over the unlock message does not verify");
            }
        } catch (GeneralSecurityException e) {
            throw new DeviceKeyRejectedException("its public key cannot be read");
        }
        try {
            return Crypto.sha256(UNLOCK, salt, signature);
        } finally {
            Crypto.wipe(signature);
        }
    }

    private PublicKey enrolledKey() throws TokenCorruptException {
        try {
            return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(publicKey));
        } catch (GeneralSecurityException e) {
            throw new TokenCorruptException("the enrolled device key is unreadable");
        }
    }

    private static boolean verifies(PublicKey key, byte[] data, byte[] signature) {
        try {
            Signature v = Signature.getInstance(SCHEME.jcaAlgorithm());
            v.initVerify(key);
            v.update(data);
            return v.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static byte[] aad(byte[] pub, byte[] salt) {
        return concat(TokenFile.MAGIC, Crypto.sha256(pub), salt);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeShort(publicKey.length);
            out.write(publicKey);
            out.write(salt);
            out.write(nonce);
            out.writeShort(wrappedKey.length);
            out.write(wrappedKey);
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    static DeviceSlot decode(byte[] data) throws TokenCorruptException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte[] pub = in.readNBytes(in.readUnsignedShort());
            byte[] salt = in.readNBytes(Crypto.SALT_LENGTH);
            byte[] nonce = in.readNBytes(Crypto.NONCE_LENGTH);
            byte[] wrapped = in.readNBytes(in.readUnsignedShort());
            if (salt.length != Crypto.SALT_LENGTH || nonce.length != Crypto.NONCE_LENGTH
                    || wrapped.length != Crypto.KEY_LENGTH + Crypto.TAG_LENGTH || in.available() != 0) {
                throw new TokenCorruptException("the device key record is damaged");
            }
            return new DeviceSlot(pub, salt, nonce, wrapped);
        } catch (IOException e) {
            throw new TokenCorruptException("the device key record is damaged");
        }
    }
}
