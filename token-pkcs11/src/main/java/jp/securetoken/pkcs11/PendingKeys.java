package jp.securetoken.pkcs11;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenDeviceException;
import jp.securetoken.api.TokenException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key pairs generated for a credential but not yet certified, kept as token objects so that key
 * generation, the certification request and the certificate import (days later) can each run in a
 * different process. A pending pair carries the CKA_LABEL {@code pending:ALIAS} and a fresh CKA_ID;
 * SunPKCS11's KeyStore shows no key without a certificate, so the pending pair never stands in for
 * the credential. Installing the certificate gives the pair the alias as its label, writes the
 * certificate with the pair's CKA_ID, and only then removes the old credential's objects: until
 * that moment the old credential keeps serving. Runs on the token's queue thread.
 */
final class PendingKeys {
    private static final Logger LOG = LoggerFactory.getLogger(PendingKeys.class);
    private static final String PREFIX = "pending:";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A pending pair: its object handles, CKA_ID and the key to sign with. */
    record Pending(long publicKey, long privateKey, byte[] id, Pkcs11Key key) {
    }

    private final Pkcs11Token token;
    private final Cryptoki cryptoki;
    private final long session;
    private final Set<SignatureScheme> schemes;

    PendingKeys(Pkcs11Token token, Cryptoki cryptoki, long session, Set<SignatureScheme> schemes) {
        this.token = token;
        this.cryptoki = cryptoki;
        this.session = session;
        this.schemes = schemes;
    }

    static String label(String alias) {
        return PREFIX + alias;
    }

    /** Generates a pending pair for {@code alias}, replacing an earlier pending pair of that alias. */
    Pkcs11Key generate(String alias, KeyAlgorithm algorithm) throws TokenException {
        discard(alias);
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        Cryptoki.KeyPairHandles handles = cryptoki.generateKeyPair(session, algorithm, label(alias), id);
        LOG.info("Generated a {} key pair pending for '{}' in PKCS#11 token {}", algorithm, alias, token);
        return Pkcs11Key.byLabel(token, label(alias), cryptoki.publicKey(session, handles.publicKey()), schemes);
    }

    /** The pending pair of {@code alias}, if one was generated and not yet installed. */
    Optional<Pending> find(String alias) throws TokenException {
        byte[] label = label(alias).getBytes(StandardCharsets.UTF_8);
        List<Long> privates = withLabel(Ck.CKO_PRIVATE_KEY, label);
        List<Long> publics = withLabel(Ck.CKO_PUBLIC_KEY, label);
        if (privates.isEmpty() || publics.isEmpty()) {
            return Optional.empty();
        }
        long priv = privates.get(0);
        long pub = publics.get(0);
        return Optional.of(new Pending(pub, priv, cryptoki.bytes(session, priv, Ck.CKA_ID),
                Pkcs11Key.byLabel(token, label(alias), cryptoki.publicKey(session, pub), schemes)));
    }

    /** Removes the pending pair of {@code alias}; whether there was one. */
    boolean discard(String alias) throws TokenException {
        byte[] label = label(alias).getBytes(StandardCharsets.UTF_8);
        List<Long> objects = new ArrayList<>(withLabel(Ck.CKO_PRIVATE_KEY, label));
        objects.addAll(withLabel(Ck.CKO_PUBLIC_KEY, label));
        for (long h : objects) {
            cryptoki.destroy(session, h);
        }
        return !objects.isEmpty();
    }

    /**
     * Makes the pending pair the credential {@code alias} with {@code chain}: the new certificate
     * first (with the pair's CKA_ID), CA certificates the token lacks, then the pair's new label,
     * and last the old credential's certificate and keys.
     */
    void install(String alias, Pending pending, List<X509Certificate> chain) throws TokenException {
        byte[] aliasLabel = alias.getBytes(StandardCharsets.UTF_8);
        List<Long> oldCertificates = withLabel(Ck.CKO_CERTIFICATE, aliasLabel);
        Set<String> oldIds = new HashSet<>();
        for (long h : oldCertificates) {
            byte[] id = cryptoki.bytes(session, h, Ck.CKA_ID);
            if (id != null && id.length > 0) {
                oldIds.add(java.util.HexFormat.of().formatHex(id));
            }
        }
        List<Long> oldKeys = new ArrayList<>();
        for (long objectClass : new long[] {Ck.CKO_PRIVATE_KEY, Ck.CKO_PUBLIC_KEY}) {
            for (long h : cryptoki.find(session, objectClass, null)) {
                byte[] id = cryptoki.bytes(session, h, Ck.CKA_ID);
                byte[] label = cryptoki.bytes(session, h, Ck.CKA_LABEL);
                boolean oldById = id != null && id.length > 0 && oldIds.contains(java.util.HexFormat.of().formatHex(id));
                if ((oldById || Arrays.equals(aliasLabel, label)) && !Arrays.equals(id, pending.id())) {
                    oldKeys.add(h);
                }
            }
        }
        cryptoki.createCertificate(session, chain.get(0), alias, pending.id());
        List<byte[]> present = new ArrayList<>();
        for (long h : cryptoki.find(session, Ck.CKO_CERTIFICATE, null)) {
            present.add(cryptoki.bytes(session, h, Ck.CKA_VALUE));
        }
        for (X509Certificate ca : chain.subList(1, chain.size())) {
            byte[] der = encoded(ca);
            if (present.stream().noneMatch(d -> Arrays.equals(d, der))) {
                cryptoki.createCertificate(session, ca, ca.getSubjectX500Principal().getName(), new byte[0]);
            }
        }
        cryptoki.setLabel(session, pending.privateKey(), alias);
        cryptoki.setLabel(session, pending.publicKey(), alias);
        for (long h : oldCertificates) {
            cryptoki.destroy(session, h);
        }
        for (long h : oldKeys) {
            cryptoki.destroy(session, h);
        }
    }

    private List<Long> withLabel(long objectClass, byte[] label) throws TokenException {
        List<Long> out = new ArrayList<>();
        for (long h : cryptoki.find(session, objectClass, null)) {
            if (Arrays.equals(label, cryptoki.bytes(session, h, Ck.CKA_LABEL))) {
                out.add(h);
            }
        }
        return out;
    }

    private static byte[] encoded(X509Certificate certificate) throws TokenException {
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new TokenDeviceException("encoding a CA certificate failed", "ENCODING", e);
        }
    }
}
