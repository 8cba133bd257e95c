package jp.securetoken.pkcs11;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenDeviceException;
import jp.securetoken.api.TokenException;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.CK_C_INITIALIZE_ARGS;
import sun.security.pkcs11.wrapper.CK_INFO;
import sun.security.pkcs11.wrapper.CK_MECHANISM;
import sun.security.pkcs11.wrapper.CK_MECHANISM_INFO;
import sun.security.pkcs11.wrapper.CK_RSA_PKCS_PSS_PARAMS;
import sun.security.pkcs11.wrapper.CK_SLOT_INFO;
import sun.security.pkcs11.wrapper.CK_TOKEN_INFO;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * Direct PKCS#11 calls through the JDK's internal wrapper, for what SunPKCS11's JCA surface does
 * not show: token flags (PIN state), the mechanism list, C_Sign with CKM_RSA_PKCS_PSS over a
 * precomputed hash, and data objects. Used only when {@link CryptokiAccess#available()}.
 *
 * <p>The wrapper keeps one initialised library per module path for the whole JVM and shares it
 * with every SunPKCS11 provider on that path, so sessions opened here see the login done through
 * SunPKCS11. The library is never finalised here: SunPKCS11 providers may still use it.
 */
final class Cryptoki {
    private final PKCS11 p11;
    private final Path module;

    private Cryptoki(PKCS11 p11, Path module) {
        this.p11 = p11;
        this.module = module;
    }

    /** Token facts from C_GetTokenInfo, trimmed. */
    record TokenState(String label, String manufacturer, String model, String serial, long flags, long minPin,
            long maxPin) {
        boolean has(long flag) {
            return (flags & flag) != 0;
        }
    }

    /** Library facts from C_GetInfo. */
    record LibraryInfo(String cryptokiVersion, String manufacturer, String description, String version) {
    }

    /** C_GetMechanismInfo. */
    record MechanismInfo(long mechanism, long minKeySize, long maxKeySize, long flags) {
        boolean has(long flag) {
            return (flags & flag) != 0;
        }
    }

    /** Loads (or finds already loaded) the library and initialises it as SunPKCS11 does. */
    static Cryptoki load(Path module) throws TokenException {
        CK_C_INITIALIZE_ARGS args = new CK_C_INITIALIZE_ARGS();
        args.flags = 0x2L; // CKF_OS_LOCKING_OK, as SunPKCS11 asks, so that both share one library instance
        try {
            return new Cryptoki(PKCS11.getInstance(module.toString(), "C_GetFunctionList", args, false), module);
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, module.toString(), "Initialising the PKCS#11 library");
        } catch (java.io.IOException e) {
            throw new TokenDeviceException("the PKCS#11 library " + module + " could not be loaded: " + e.getMessage(),
                    "LOAD_FAILED", e);
        }
    }

    Path module() {
        return module;
    }

    LibraryInfo libraryInfo() throws TokenException {
        try {
            CK_INFO i = p11.C_GetInfo();
            return new LibraryInfo(i.cryptokiVersion.major + "." + i.cryptokiVersion.minor, text(i.manufacturerID),
                    text(i.libraryDescription), i.libraryVersion.major + "." + i.libraryVersion.minor);
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, module.toString(), "C_GetInfo");
        }
    }

    /** C_GetSlotList(tokenPresent=true). */
    long[] slotsWithToken() throws TokenException {
        try {
            return p11.C_GetSlotList(true);
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, module.toString(), "C_GetSlotList");
        }
    }

    /** C_GetSlotInfo's description. */
    String slotDescription(long slot) throws TokenException {
        try {
            CK_SLOT_INFO i = p11.C_GetSlotInfo(slot);
            return text(i.slotDescription);
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, "slot " + slot, "C_GetSlotInfo");
        }
    }

    TokenState tokenState(long slot) throws TokenException {
        try {
            CK_TOKEN_INFO i = p11.C_GetTokenInfo(slot);
            return new TokenState(text(i.label), text(i.manufacturerID), text(i.model), text(i.serialNumber), i.flags,
                    i.ulMinPinLen, i.ulMaxPinLen);
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, "slot " + slot, "C_GetTokenInfo");
        }
    }

    List<MechanismInfo> mechanisms(long slot) throws TokenException {
        try {
            List<MechanismInfo> out = new ArrayList<>();
            for (long m : p11.C_GetMechanismList(slot)) {
                CK_MECHANISM_INFO i = p11.C_GetMechanismInfo(slot, m);
                out.add(new MechanismInfo(m, i.ulMinKeySize, i.ulMaxKeySize, i.flags));
            }
            return out;
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, "slot " + slot, "C_GetMechanismList");
        }
    }

    long openSession(long slot, boolean readWrite) throws TokenException {
        try {
            return p11.C_OpenSession(slot, Ck.CKF_SERIAL_SESSION | (readWrite ? Ck.CKF_RW_SESSION : 0), null, null);
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, "slot " + slot, "C_OpenSession");
        }
    }

    /** The session's state from C_GetSessionInfo (CKS_*). */
    long sessionState(long session) throws TokenException {
        try {
            return p11.C_GetSessionInfo(session).state;
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, module.toString(), "C_GetSessionInfo");
        }
    }

    /** Closes a session; false when the library refused (the session is gone either way). */
    boolean closeSession(long session) {
        try {
            p11.C_CloseSession(session);
            return true;
        } catch (PKCS11Exception e) {
            return false;
        }
    }

    /** C_FindObjects over {@code class} objects, optionally with a CKA_APPLICATION. */
    long[] find(long session, long objectClass, String application) throws TokenException {
        List<CK_ATTRIBUTE> template = new ArrayList<>();
        template.add(new CK_ATTRIBUTE(Ck.CKA_CLASS, objectClass));
        if (application != null) {
            template.add(new CK_ATTRIBUTE(Ck.CKA_APPLICATION, utf8(application)));
        }
        try {
            p11.C_FindObjectsInit(session, template.toArray(new CK_ATTRIBUTE[0]));
            try {
                List<Long> all = new ArrayList<>();
                long[] batch;
                do {
                    batch = p11.C_FindObjects(session, 64);
                    for (long h : batch) {
                        all.add(h);
                    }
                } while (batch.length > 0);
                return all.stream().mapToLong(Long::longValue).toArray();
            } finally {
                p11.C_FindObjectsFinal(session);
            }
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, module.toString(), "C_FindObjects");
        }
    }

    /** C_SignInit with a mechanism without parameters and C_Sign over {@code data}. */
    byte[] sign(long session, long mechanism, long privateKey, byte[] data) throws TokenException {
        try {
            p11.C_SignInit(session, new CK_MECHANISM(mechanism), privateKey);
            return p11.C_Sign(session, data);
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, module.toString(), "C_Sign");
        }
    }

    /** The byte value of one attribute, or null where the object has none. */
    byte[] bytes(long session, long object, long attribute) throws TokenException {
        CK_ATTRIBUTE[] a = {new CK_ATTRIBUTE(attribute)};
        try {
            p11.C_GetAttributeValue(session, object, a);
            Object v = a[0].pValue;
            if (v instanceof char[] chars) {
                // the wrapper hands CK_UTF8CHAR attributes (CKA_LABEL, CKA_APPLICATION) over as one char per byte
                byte[] b = new byte[chars.length];
                for (int i = 0; i < chars.length; i++) {
                    b[i] = (byte) chars[i];
                }
                return b;
            }
            return v == null ? null : a[0].getByteArray();
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, module.toString(), "C_GetAttributeValue");
        }
    }

    /** A CK_ULONG attribute (CKA_CLASS, CKA_KEY_TYPE), or null where the object has none. */
    Long number(long session, long object, long attribute) throws TokenException {
        CK_ATTRIBUTE[] a = {new CK_ATTRIBUTE(attribute)};
        try {
            p11.C_GetAttributeValue(session, object, a);
            return a[0].pValue == null ? null : a[0].getLong();
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, module.toString(), "C_GetAttributeValue");
        }
    }

    /** A CK_BBOOL attribute (CKA_PRIVATE), or false where the object has none. */
    boolean flag(long session, long object, long attribute) throws TokenException {
        CK_ATTRIBUTE[] a = {new CK_ATTRIBUTE(attribute)};
        try {
            p11.C_GetAttributeValue(session, object, a);
            return a[0].pValue != null && a[0].getBoolean();
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, module.toString(), "C_GetAttributeValue");
        }
    }

    /** The CKM_* name of a mechanism, or its number in hex where the JDK does not know it. */
    static String mechanismName(long mechanism) {
        return sun.security.pkcs11.wrapper.Functions.getMechanismName(mechanism);
    }

    /** The CKK_* name of a key type. */
    static String keyTypeName(long keyType) {
        return sun.security.pkcs11.wrapper.Functions.getKeyName(keyType);
    }

    /** A CKA_LABEL (or other UTF-8 attribute) value, or null. */
    String text(long session, long object, long attribute) throws TokenException {
        byte[] b = bytes(session, object, attribute);
        return b == null ? null : new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Creates a public token data object. */
    long createData(long session, String application, String label, byte[] value) throws TokenException {
        try {
            return p11.C_CreateObject(session, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(Ck.CKA_CLASS, Ck.CKO_DATA),
                new CK_ATTRIBUTE(Ck.CKA_TOKEN, true), new CK_ATTRIBUTE(Ck.CKA_PRIVATE, false),
                new CK_ATTRIBUTE(Ck.CKA_MODIFIABLE, true), new CK_ATTRIBUTE(Ck.CKA_APPLICATION, utf8(application)),
                new CK_ATTRIBUTE(Ck.CKA_LABEL, utf8(label)), new CK_ATTRIBUTE(Ck.CKA_VALUE, value)});
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, module.toString(), "C_CreateObject");
        }
    }

    /** The handles C_GenerateKeyPair returned. */
    record KeyPairHandles(long publicKey, long privateKey) {
    }

    /**
     * C_GenerateKeyPair of token objects (they outlive the session and the process): the private key
     * private, sensitive, not extractable, for signing; both with {@code label} and {@code id}.
     */
    KeyPairHandles generateKeyPair(long session, KeyAlgorithm algorithm, String label, byte[] id) throws TokenException {
        boolean ec = algorithm.curve() != null;
        List<CK_ATTRIBUTE> pub = new ArrayList<>(List.of(new CK_ATTRIBUTE(Ck.CKA_CLASS, Ck.CKO_PUBLIC_KEY),
                new CK_ATTRIBUTE(Ck.CKA_TOKEN, true), new CK_ATTRIBUTE(Ck.CKA_PRIVATE, false),
                new CK_ATTRIBUTE(Ck.CKA_VERIFY, true), new CK_ATTRIBUTE(Ck.CKA_LABEL, utf8(label)),
                new CK_ATTRIBUTE(Ck.CKA_ID, id)));
        if (ec) {
            pub.add(new CK_ATTRIBUTE(Ck.CKA_EC_PARAMS, ecParameters(algorithm)));
        } else {
            pub.add(new CK_ATTRIBUTE(Ck.CKA_MODULUS_BITS, (long) algorithm.bits()));
            pub.add(new CK_ATTRIBUTE(Ck.CKA_PUBLIC_EXPONENT, java.math.BigInteger.valueOf(65537)));
        }
        CK_ATTRIBUTE[] priv = {new CK_ATTRIBUTE(Ck.CKA_CLASS, Ck.CKO_PRIVATE_KEY), new CK_ATTRIBUTE(Ck.CKA_TOKEN, true),
            new CK_ATTRIBUTE(Ck.CKA_PRIVATE, true), new CK_ATTRIBUTE(Ck.CKA_SENSITIVE, true),
            new CK_ATTRIBUTE(Ck.CKA_EXTRACTABLE, false), new CK_ATTRIBUTE(Ck.CKA_SIGN, true),
            new CK_ATTRIBUTE(Ck.CKA_LABEL, utf8(label)), new CK_ATTRIBUTE(Ck.CKA_ID, id)};
        try {
            long[] handles = p11.C_GenerateKeyPair(session,
                    new CK_MECHANISM(ec ? Ck.CKM_EC_KEY_PAIR_GEN : Ck.CKM_RSA_PKCS_KEY_PAIR_GEN),
                    pub.toArray(new CK_ATTRIBUTE[0]), priv);
            return new KeyPairHandles(handles[0], handles[1]);
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, module.toString(), "C_GenerateKeyPair");
        }
    }

    private static byte[] ecParameters(KeyAlgorithm algorithm) throws TokenException {
        try {
            return org.bouncycastle.asn1.x9.ECNamedCurveTable.getOID(algorithm.curve()).getEncoded();
        } catch (java.io.IOException e) {
            throw new TokenDeviceException("encoding the curve name " + algorithm.curve() + " failed", "ENCODING", e);
        }
    }

    /** The public key of a public key object, read from CKA_MODULUS/CKA_PUBLIC_EXPONENT or CKA_EC_PARAMS/CKA_EC_POINT. */
    java.security.PublicKey publicKey(long session, long object) throws TokenException {
        try {
            if (keyType(session, object) == Ck.CKK_EC) {
                byte[] ecParams = bytes(session, object, Ck.CKA_EC_PARAMS);
                byte[] point = org.bouncycastle.asn1.ASN1OctetString.getInstance(bytes(session, object, Ck.CKA_EC_POINT))
                        .getOctets();
                var info = new org.bouncycastle.asn1.x509.SubjectPublicKeyInfo(
                        new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                                org.bouncycastle.asn1.x9.X9ObjectIdentifiers.id_ecPublicKey,
                                org.bouncycastle.asn1.ASN1Primitive.fromByteArray(ecParams)), point);
                return java.security.KeyFactory.getInstance("EC")
                        .generatePublic(new java.security.spec.X509EncodedKeySpec(info.getEncoded()));
            }
            return java.security.KeyFactory.getInstance("RSA").generatePublic(new java.security.spec.RSAPublicKeySpec(
                    new java.math.BigInteger(1, bytes(session, object, Ck.CKA_MODULUS)),
                    new java.math.BigInteger(1, bytes(session, object, Ck.CKA_PUBLIC_EXPONENT))));
        } catch (java.io.IOException | java.security.GeneralSecurityException | IllegalArgumentException e) {
            throw new TokenDeviceException("the token's public key object cannot be read as a key", "BAD_PUBLIC_KEY", e);
        }
    }

    private long keyType(long session, long object) throws TokenException {
        CK_ATTRIBUTE[] a = {new CK_ATTRIBUTE(Ck.CKA_KEY_TYPE)};
        try {
            p11.C_GetAttributeValue(session, object, a);
            return a[0].getLong();
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, module.toString(), "C_GetAttributeValue (CKA_KEY_TYPE)");
        }
    }

    /** Creates a token X.509 certificate object with {@code label} and {@code id} (empty for a CA certificate). */
    long createCertificate(long session, java.security.cert.X509Certificate certificate, String label, byte[] id)
            throws TokenException {
        return createCertificate(session, certificate, label, id, false);
    }

    /** As above; a private object ({@code CKA_PRIVATE}) is created and seen only after login. */
    long createCertificate(long session, java.security.cert.X509Certificate certificate, String label, byte[] id,
            boolean privateObject) throws TokenException {
        try {
            return p11.C_CreateObject(session, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(Ck.CKA_CLASS, Ck.CKO_CERTIFICATE),
                new CK_ATTRIBUTE(Ck.CKA_CERTIFICATE_TYPE, Ck.CKC_X_509), new CK_ATTRIBUTE(Ck.CKA_TOKEN, true),
                new CK_ATTRIBUTE(Ck.CKA_PRIVATE, privateObject), new CK_ATTRIBUTE(Ck.CKA_LABEL, utf8(label)),
                new CK_ATTRIBUTE(Ck.CKA_ID, id),
                new CK_ATTRIBUTE(Ck.CKA_SUBJECT, certificate.getSubjectX500Principal().getEncoded()),
                new CK_ATTRIBUTE(Ck.CKA_ISSUER, certificate.getIssuerX500Principal().getEncoded()),
                new CK_ATTRIBUTE(Ck.CKA_SERIAL_NUMBER,
                        new org.bouncycastle.asn1.ASN1Integer(certificate.getSerialNumber()).getEncoded()),
                new CK_ATTRIBUTE(Ck.CKA_VALUE, certificate.getEncoded())});
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, module.toString(), "C_CreateObject (certificate)");
        } catch (java.io.IOException | java.security.cert.CertificateEncodingException e) {
            throw new TokenDeviceException("encoding the certificate failed", "ENCODING", e);
        }
    }

    /** C_SetAttributeValue(CKA_LABEL). */
    void setLabel(long session, long object, String label) throws TokenException {
        try {
            p11.C_SetAttributeValue(session, object, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(Ck.CKA_LABEL, utf8(label))});
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, module.toString(), "C_SetAttributeValue");
        }
    }

    void destroy(long session, long object) throws TokenException {
        try {
            p11.C_DestroyObject(session, object);
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, module.toString(), "C_DestroyObject");
        }
    }

    /** C_SignInit(CKM_RSA_PKCS_PSS with the scheme's hash, MGF1 and salt) and C_Sign over the hash. */
    byte[] signPss(long session, long privateKey, SignatureScheme scheme, byte[] digest) throws TokenException {
        CK_MECHANISM m = new CK_MECHANISM(Ck.CKM_RSA_PKCS_PSS);
        m.setParameter(new CK_RSA_PKCS_PSS_PARAMS(scheme.digestAlgorithm(), "MGF1", scheme.digestAlgorithm(),
                scheme.digestLength()));
        try {
            p11.C_SignInit(session, m, privateKey);
            return p11.C_Sign(session, digest);
        } catch (PKCS11Exception e) {
            throw Pkcs11Errors.map(e, module.toString(), "C_Sign (CKM_RSA_PKCS_PSS)");
        } finally {
            m.freeHandle();
        }
    }

    /** One function called by {@link #exercise}: whether it worked and what was seen. */
    record Call(String function, boolean worked, String evidence) {
    }

    /**
     * Calls the cryptographic functions of the JAHIS table once each with session objects that
     * vanish with the session: an RSA-2048 key pair (C_GenerateKeyPair), CKM_RSA_PKCS sign and
     * verify, CKM_SHA256_RSA_PKCS multi-part verify, RSA encrypt and decrypt, SHA-256 digest, and
     * AES-CBC-PAD multi-part encryption for C_EncryptFinal. Results are checked (the digest against
     * the host's, the decryption against the plaintext). Needs a logged-in session.
     */
    List<Call> exercise(long session) {
        List<Call> calls = new ArrayList<>();
        byte[] data = "JAHIS 8.2.4 conformance probe".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long[] pair = null;
        long aes = -1;
        try {
            pair = p11.C_GenerateKeyPair(session, new CK_MECHANISM(Ck.CKM_RSA_PKCS_KEY_PAIR_GEN), new CK_ATTRIBUTE[] {
                new CK_ATTRIBUTE(Ck.CKA_TOKEN, false), new CK_ATTRIBUTE(0x121L, 2048L),
                new CK_ATTRIBUTE(0x122L, new byte[] {1, 0, 1}), new CK_ATTRIBUTE(0x104L, true),
                new CK_ATTRIBUTE(0x10AL, true)}, new CK_ATTRIBUTE[] {
                    new CK_ATTRIBUTE(Ck.CKA_TOKEN, false), new CK_ATTRIBUTE(Ck.CKA_PRIVATE, true),
                    new CK_ATTRIBUTE(0x103L, true), new CK_ATTRIBUTE(0x108L, true), new CK_ATTRIBUTE(0x105L, true)});
            calls.add(new Call("C_GenerateKeyPair", true, "generated an RSA-2048 session key pair"));
        } catch (PKCS11Exception e) {
            calls.add(new Call("C_GenerateKeyPair", false, e.getMessage()));
        }
        try {
            if (pair != null) {
                rsaCalls(session, pair[0], pair[1], data, calls);
            }
            digestCalls(session, data, calls);
            aes = multiPartEncryption(session, calls);
        } finally {
            for (long h : pair == null ? new long[0] : pair) {
                destroyQuietly(session, h);
            }
            if (aes != -1) {
                destroyQuietly(session, aes);
            }
        }
        return calls;
    }

    private void rsaCalls(long session, long publicKey, long privateKey, byte[] data, List<Call> calls) {
        byte[] digestInfo;
        try {
            digestInfo = SignatureScheme.RSA_PKCS1_SHA256.digestInfo(
                    java.security.MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is in every JDK", e);
        }
        byte[] signature = null;
        try {
            p11.C_SignInit(session, new CK_MECHANISM(Ck.CKM_RSA_PKCS), privateKey);
            calls.add(new Call("C_SignInit", true, "CKM_RSA_PKCS with the private key"));
            signature = p11.C_Sign(session, digestInfo);
            calls.add(new Call("C_Sign", true, "signed a SHA-256 DigestInfo (" + signature.length + " bytes)"));
        } catch (PKCS11Exception e) {
            calls.add(new Call(signature == null ? "C_Sign" : "C_SignInit", false, e.getMessage()));
        }
        if (signature != null) {
            try {
                p11.C_VerifyInit(session, new CK_MECHANISM(Ck.CKM_RSA_PKCS), publicKey);
                p11.C_Verify(session, digestInfo, signature);
                calls.add(new Call("C_Verify", true, "CKM_RSA_PKCS signature verified"));
            } catch (PKCS11Exception e) {
                calls.add(new Call("C_Verify", false, e.getMessage()));
            }
            try {
                p11.C_VerifyInit(session, new CK_MECHANISM(0x40L), publicKey);
                calls.add(new Call("C_VerifyInit", true, "CKM_SHA256_RSA_PKCS with the public key"));
                p11.C_VerifyUpdate(session, 0, data, 0, data.length);
                p11.C_VerifyFinal(session, signature);
                calls.add(new Call("C_VerifyFinal", true, "multi-part CKM_SHA256_RSA_PKCS verification"));
            } catch (PKCS11Exception e) {
                calls.add(new Call("C_VerifyFinal", false, e.getMessage()));
            }
        }
        byte[] secret = "session secret".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try {
            p11.C_EncryptInit(session, new CK_MECHANISM(Ck.CKM_RSA_PKCS), publicKey);
            calls.add(new Call("C_EncryptInit", true, "CKM_RSA_PKCS with the public key"));
            byte[] cipher = new byte[256];
            int n = p11.C_Encrypt(session, 0, secret, 0, secret.length, 0, cipher, 0, cipher.length);
            calls.add(new Call("C_Encrypt", true, "encrypted " + secret.length + " bytes"));
            p11.C_DecryptInit(session, new CK_MECHANISM(Ck.CKM_RSA_PKCS), privateKey);
            byte[] plain = new byte[256];
            int m = p11.C_Decrypt(session, 0, cipher, 0, n, 0, plain, 0, plain.length);
            boolean same = java.util.Arrays.equals(secret, 0, secret.length, plain, 0, m);
            calls.add(new Call("C_Decrypt", same, same ? "decrypted to the plaintext" : "decrypted to other bytes"));
        } catch (PKCS11Exception e) {
            calls.add(new Call("C_Encrypt", false, e.getMessage()));
        }
    }

    private void digestCalls(long session, byte[] data, List<Call> calls) {
        try {
            p11.C_DigestInit(session, new CK_MECHANISM(Ck.CKM_SHA256));
            calls.add(new Call("C_DigestInit", true, "CKM_SHA256"));
            p11.C_DigestUpdate(session, 0, data, 0, data.length);
            calls.add(new Call("C_DigestUpdate", true, data.length + " bytes"));
            byte[] out = new byte[32];
            p11.C_DigestFinal(session, out, 0, out.length);
            boolean same = java.util.Arrays.equals(out, java.security.MessageDigest.getInstance("SHA-256").digest(data));
            calls.add(new Call("C_DigestFinal", same, same ? "equals the host's SHA-256" : "differs from SHA-256"));
        } catch (PKCS11Exception e) {
            calls.add(new Call("C_DigestFinal", false, e.getMessage()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is in every JDK", e);
        }
    }

    private long multiPartEncryption(long session, List<Call> calls) {
        long key = -1;
        try {
            key = p11.C_GenerateKey(session, new CK_MECHANISM(0x1080L), new CK_ATTRIBUTE[] {
                new CK_ATTRIBUTE(Ck.CKA_TOKEN, false), new CK_ATTRIBUTE(0x161L, 32L), new CK_ATTRIBUTE(0x104L, true)});
            p11.C_EncryptInit(session, new CK_MECHANISM(0x1085L, new byte[16]), key);
            byte[] in = new byte[20];
            byte[] out = new byte[64];
            int n = p11.C_EncryptUpdate(session, 0, in, 0, in.length, 0, out, 0, out.length);
            n += p11.C_EncryptFinal(session, 0, out, n, out.length - n);
            calls.add(new Call("C_EncryptFinal", n == 32, "multi-part CKM_AES_CBC_PAD gave " + n + " bytes"));
        } catch (PKCS11Exception e) {
            calls.add(new Call("C_EncryptFinal", false, e.getMessage()));
        }
        return key;
    }

    private void destroyQuietly(long session, long object) {
        try {
            p11.C_DestroyObject(session, object);
        } catch (PKCS11Exception e) {
            // session objects vanish with the session anyway
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String text(char[] chars) {
        return chars == null ? "" : new String(chars).trim();
    }
}
