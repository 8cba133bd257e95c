package jp.securetoken.pkcs11;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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

    void closeSession(long session) {
        try {
            p11.C_CloseSession(session);
        } catch (PKCS11Exception e) {
            // the session is gone either way (token removed, library finalised)
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

    private static byte[] utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String text(char[] chars) {
        return chars == null ? "" : new String(chars).trim();
    }
}
