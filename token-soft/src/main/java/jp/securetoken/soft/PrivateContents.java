package jp.securetoken.soft;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

import jp.securetoken.api.TokenCorruptException;

/**
 * What only a PIN opens: the private keys of the credentials by alias, and the pending keys that
 * key generation made and no certificate has been written for yet.
 *
 * @param current the keys of the credentials, by alias
 * @param pending generated keys waiting for their certificate, by alias
 */
record PrivateContents(Map<String, KeyPair> current, Map<String, KeyPair> pending) {
    private static final int CURRENT = 0;
    private static final int PENDING = 1;

    PrivateContents {
        current = Collections.unmodifiableMap(new TreeMap<>(current));
        pending = Collections.unmodifiableMap(new TreeMap<>(pending));
    }

    static PrivateContents empty() {
        return new PrivateContents(Map.of(), Map.of());
    }

    PrivateContents withCurrent(String alias, KeyPair keys) {
        TreeMap<String, KeyPair> c = new TreeMap<>(current);
        if (keys == null) {
            c.remove(alias);
        } else {
            c.put(alias, keys);
        }
        return new PrivateContents(c, pending);
    }

    PrivateContents withPending(String alias, KeyPair keys) {
        TreeMap<String, KeyPair> p = new TreeMap<>(pending);
        if (keys == null) {
            p.remove(alias);
        } else {
            p.put(alias, keys);
        }
        return new PrivateContents(current, p);
    }

    byte[] encode() {
        try {
            WipingBuffer bytes = new WipingBuffer();
            try {
                DataOutputStream out = new DataOutputStream(bytes);
                out.writeShort(current.size() + pending.size());
                write(out, current, CURRENT);
                write(out, pending, PENDING);
                out.flush();
                return bytes.toByteArray();
            } finally {
                bytes.wipe();
            }
        } catch (IOException e) {
            throw new IllegalStateException("encoding the private section in memory failed", e);
        }
    }

    private static void write(DataOutputStream out, Map<String, KeyPair> keys, int kind) throws IOException {
        for (Map.Entry<String, KeyPair> e : keys.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeByte(kind);
            out.writeUTF(e.getValue().getPrivate().getAlgorithm());
            byte[] priv = e.getValue().getPrivate().getEncoded();
            out.writeInt(priv.length);
            out.write(priv);
            byte[] pub = e.getValue().getPublic().getEncoded();
            out.writeInt(pub.length);
            out.write(pub);
            Crypto.wipe(priv);
        }
    }

    static PrivateContents decode(byte[] data) throws TokenCorruptException {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
            TreeMap<String, KeyPair> current = new TreeMap<>();
            TreeMap<String, KeyPair> pending = new TreeMap<>();
            int n = in.readUnsignedShort();
            for (int i = 0; i < n; i++) {
                String alias = in.readUTF();
                int kind = in.readUnsignedByte();
                KeyFactory kf = KeyFactory.getInstance(in.readUTF());
                byte[] priv = PublicContents.readBytes(in);
                PrivateKey privateKey = kf.generatePrivate(new PKCS8EncodedKeySpec(priv));
                Crypto.wipe(priv);
                PublicKey publicKey = kf.generatePublic(new X509EncodedKeySpec(PublicContents.readBytes(in)));
                (kind == PENDING ? pending : current).put(alias, new KeyPair(publicKey, privateKey));
            }
            return new PrivateContents(current, pending);
        } catch (IOException | GeneralSecurityException e) {
            throw new TokenCorruptException("the private section cannot be read", e);
        }
    }

    /** A byte buffer whose internal array can be zeroed once its copy has been taken. */
    private static final class WipingBuffer extends ByteArrayOutputStream {
        void wipe() {
            Arrays.fill(buf, (byte) 0);
        }
    }

    @Override
    public String toString() {
        return "PrivateContents[current=" + current.keySet() + ", pending=" + pending.keySet() + "]";
    }
}
