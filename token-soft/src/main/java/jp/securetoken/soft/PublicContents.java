package jp.securetoken.soft;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.TokenCorruptException;

/**
 * What anyone may read without a PIN: label, serial, issuer trust anchors, the credentials'
 * certificate chains and the user data records.
 *
 * @param label       the token's label
 * @param serial      its serial number (random hex, set at creation)
 * @param anchors     issuer trust anchors; empty when the token accepts any chain that chains
 * @param credentials chains and usages by alias
 * @param userData    user data records by name
 */
record PublicContents(String label, String serial, List<X509Certificate> anchors,
        SortedMap<String, StoredChain> credentials, SortedMap<String, byte[]> userData) {

    /**
     * A credential's public part.
     *
     * @param chain entity certificate first
     * @param usage what it is for
     */
    record StoredChain(List<X509Certificate> chain, CredentialUsage usage) {
        StoredChain {
            chain = List.copyOf(chain);
        }
    }

    PublicContents {
        anchors = List.copyOf(anchors);
        credentials = Collections.unmodifiableSortedMap(new TreeMap<>(credentials));
        userData = Collections.unmodifiableSortedMap(new TreeMap<>(userData));
    }

    PublicContents withCredential(String alias, StoredChain chain) {
        TreeMap<String, StoredChain> m = new TreeMap<>(credentials);
        if (chain == null) {
            m.remove(alias);
        } else {
            m.put(alias, chain);
        }
        return new PublicContents(label, serial, anchors, m, userData);
    }

    PublicContents withAnchors(List<X509Certificate> newAnchors) {
        return new PublicContents(label, serial, newAnchors, credentials, userData);
    }

    PublicContents withUserData(String name, byte[] value) {
        TreeMap<String, byte[]> m = new TreeMap<>(userData);
        if (value == null) {
            m.remove(name);
        } else {
            m.put(name, value.clone());
        }
        return new PublicContents(label, serial, anchors, credentials, m);
    }

    byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeUTF(label);
            out.writeUTF(serial);
            writeCertificates(out, anchors);
            out.writeShort(credentials.size());
            for (Map.Entry<String, StoredChain> e : credentials.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue().usage().name());
                writeCertificates(out, e.getValue().chain());
            }
            out.writeShort(userData.size());
            for (Map.Entry<String, byte[]> e : userData.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().length);
                out.write(e.getValue());
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException | CertificateEncodingException e) {
            throw new IllegalStateException("encoding the public section in memory failed", e);
        }
    }

    static PublicContents decode(byte[] data) throws TokenCorruptException {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
            String label = in.readUTF();
            String serial = in.readUTF();
            List<X509Certificate> anchors = readCertificates(in);
            TreeMap<String, StoredChain> credentials = new TreeMap<>();
            int n = in.readUnsignedShort();
            for (int i = 0; i < n; i++) {
                String alias = in.readUTF();
                CredentialUsage usage = CredentialUsage.valueOf(in.readUTF());
                List<X509Certificate> chain = readCertificates(in);
                if (chain.isEmpty()) {
                    throw new TokenCorruptException("the credential '" + alias + "' has an empty certificate chain");
                }
                credentials.put(alias, new StoredChain(chain, usage));
            }
            TreeMap<String, byte[]> userData = new TreeMap<>();
            n = in.readUnsignedShort();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                userData.put(name, readBytes(in));
            }
            if (in.available() != 0) {
                throw new TokenCorruptException("the public section has trailing data");
            }
            return new PublicContents(label, serial, anchors, credentials, userData);
        } catch (IOException | CertificateException | IllegalArgumentException e) {
            throw new TokenCorruptException("the public section cannot be read", e);
        }
    }

    private static void writeCertificates(DataOutputStream out, List<X509Certificate> certs)
            throws IOException, CertificateEncodingException {
        out.writeShort(certs.size());
        for (X509Certificate c : certs) {
            byte[] der = c.getEncoded();
            out.writeInt(der.length);
            out.write(der);
        }
    }

    private static List<X509Certificate> readCertificates(DataInputStream in) throws IOException, CertificateException {
        int n = in.readUnsignedShort();
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(readBytes(in))));
        }
        return out;
    }

    static byte[] readBytes(DataInputStream in) throws IOException {
        int len = in.readInt();
        if (len < 0 || len > in.available()) {
            throw new IOException("length out of range");
        }
        byte[] b = new byte[len];
        in.readFully(b);
        return b;
    }
}
