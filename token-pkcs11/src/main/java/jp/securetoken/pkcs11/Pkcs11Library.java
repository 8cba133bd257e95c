package jp.securetoken.pkcs11;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import iaik.pkcs.pkcs11.wrapper.CK_ATTRIBUTE;
import iaik.pkcs.pkcs11.wrapper.CK_MECHANISM;
import iaik.pkcs.pkcs11.wrapper.CK_TOKEN_INFO;
import iaik.pkcs.pkcs11.wrapper.PKCS11;
import jp.securetoken.api.TokenBusyException;
import jp.securetoken.api.TokenDeviceException;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenNotPresentException;
import org.xipki.pkcs11.wrapper.PKCS11Module;

/**
 * A PKCS#11 library that its user initialises and finalises itself, for libraries whose
 * specification demands it (the official JPKI libraries: C_Initialize at the start of the calling
 * sequences, C_Finalize at the end, one library at a time). Unlike a SunPKCS11 token, nothing else in
 * the process shares the library: {@link #initialize} fails with {@link TokenBusyException} when the
 * library is already initialised in this process, and {@link #close} calls C_Finalize.
 *
 * <p>Only the calls the JPKI calling sequences use: slot and token information, sessions, user
 * login and logout, finding certificates and private keys by CKA_LABEL, CKM_RSA_PKCS signing.
 * Not thread-safe: one calling sequence at a time, as the JPKI specification requires.
 */
public final class Pkcs11Library implements AutoCloseable {
    private static final long CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191L;

    private final PKCS11 p11;
    private final Path module;
    private boolean finalized;

    private Pkcs11Library(PKCS11 p11, Path module) {
        this.p11 = p11;
        this.module = module;
    }

    /**
     * Loads the library (C_GetFunctionList) and calls C_Initialize.
     *
     * @throws TokenBusyException when this process has it initialised already
     */
    public static Pkcs11Library initialize(Path module) throws TokenException {
        PKCS11 p11 = IaikCryptoki.module(module);
        try {
            p11.C_Initialize(null, true);
        } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
            if (e.getErrorCode() == CKR_CRYPTOKI_ALREADY_INITIALIZED) {
                throw new TokenBusyException("the PKCS#11 library " + module + " (already initialised in this process)");
            }
            throw IaikCryptoki.failure(e, module.toString(), "C_Initialize");
        }
        return new Pkcs11Library(p11, module);
    }

    /** The {@code CKR_*} name behind a failure of this class's calls, or empty. */
    public static String ckr(TokenException e) {
        return Pkcs11Errors.ckr(e).orElse("");
    }

    /** The library's path. */
    public Path module() {
        return module;
    }

    /** C_GetSlotList(tokenPresent=TRUE), then C_GetSlotInfo and C_GetTokenInfo of the first slot: its id. */
    public long firstSlotWithToken() throws TokenException {
        try {
            long[] slots = p11.C_GetSlotList(true);
            if (slots.length == 0) {
                throw new TokenNotPresentException("no card in the slots of " + module);
            }
            p11.C_GetSlotInfo(slots[0]);
            p11.C_GetTokenInfo(slots[0]);
            return slots[0];
        } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
            throw IaikCryptoki.failure(e, module.toString(), "C_GetSlotList");
        }
    }

    /** The token's label from C_GetTokenInfo. */
    public String tokenLabel(long slot) throws TokenException {
        try {
            CK_TOKEN_INFO info = p11.C_GetTokenInfo(slot);
            return info.label == null ? "" : new String(info.label).trim();
        } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
            throw IaikCryptoki.failure(e, module.toString(), "C_GetTokenInfo");
        }
    }

    /** C_OpenSession (serial, read-only, no callback). */
    public Session openSession(long slot) throws TokenException {
        try {
            return new Session(p11.C_OpenSession(slot, Ck.CKF_SERIAL_SESSION, null, null));
        } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
            throw IaikCryptoki.failure(e, module.toString(), "C_OpenSession");
        }
    }

    /** C_Finalize: the library is released; this object is unusable afterwards. */
    @Override
    public void close() throws TokenException {
        if (finalized) {
            return;
        }
        finalized = true;
        try {
            p11.C_Finalize(null);
        } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
            throw IaikCryptoki.failure(e, module.toString(), "C_Finalize");
        }
    }

    /** A certificate object: its CKA_LABEL and CKA_VALUE. */
    public record Certificate(String label, byte[] der) {
    }

    /** One session of the library. */
    public final class Session implements AutoCloseable {
        private final long handle;

        private Session(long handle) {
            this.handle = handle;
        }

        /** C_Login as CKU_USER. The caller wipes the PIN. */
        public void login(char[] pin) throws TokenException {
            try {
                p11.C_Login(handle, Ck.CKU_USER, pin, true);
            } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
                throw IaikCryptoki.failure(e, module.toString(), "C_Login");
            }
        }

        /** C_Logout. */
        public void logout() throws TokenException {
            try {
                p11.C_Logout(handle);
            } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
                throw IaikCryptoki.failure(e, module.toString(), "C_Logout");
            }
        }

        /**
         * C_FindObjectsInit(CKO_CERTIFICATE, CKA_TOKEN=TRUE), C_FindObjects, C_GetAttributeValue
         * (CKA_LABEL, CKA_VALUE) of each, C_FindObjectsFinal.
         */
        public List<Certificate> certificates() throws TokenException {
            List<Certificate> out = new ArrayList<>();
            for (long h : find(Ck.CKO_CERTIFICATE)) {
                out.add(new Certificate(text(h, Ck.CKA_LABEL), bytes(h, Ck.CKA_VALUE)));
            }
            return out;
        }

        /** The private key object labelled {@code label}, or -1. */
        public long privateKey(String label) throws TokenException {
            for (long h : find(Ck.CKO_PRIVATE_KEY)) {
                if (label.equals(text(h, Ck.CKA_LABEL))) {
                    return h;
                }
            }
            return -1;
        }

        /** C_SignInit(CKM_RSA_PKCS) and C_Sign over a DigestInfo the caller built. */
        public byte[] signRsaPkcs(long key, byte[] digestInfo) throws TokenException {
            CK_MECHANISM m = new CK_MECHANISM();
            m.mechanism = Ck.CKM_RSA_PKCS;
            try {
                p11.C_SignInit(handle, m, key, true);
                return p11.C_Sign(handle, digestInfo);
            } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
                throw IaikCryptoki.failure(e, module.toString(), "C_Sign");
            }
        }

        /** C_CloseSession. */
        @Override
        public void close() throws TokenException {
            try {
                p11.C_CloseSession(handle);
            } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
                throw IaikCryptoki.failure(e, module.toString(), "C_CloseSession");
            }
        }

        private long[] find(long objectClass) throws TokenException {
            CK_ATTRIBUTE cls = new CK_ATTRIBUTE();
            cls.type = Ck.CKA_CLASS;
            cls.pValue = objectClass;
            CK_ATTRIBUTE token = new CK_ATTRIBUTE();
            token.type = Ck.CKA_TOKEN;
            token.pValue = Boolean.TRUE;
            try {
                p11.C_FindObjectsInit(handle, new CK_ATTRIBUTE[] {cls, token}, true);
                try {
                    List<Long> all = new ArrayList<>();
                    long[] batch;
                    do {
                        batch = p11.C_FindObjects(handle, 16);
                        for (long h : batch) {
                            all.add(h);
                        }
                    } while (batch.length > 0);
                    return all.stream().mapToLong(Long::longValue).toArray();
                } finally {
                    p11.C_FindObjectsFinal(handle);
                }
            } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
                throw IaikCryptoki.failure(e, module.toString(), "C_FindObjects");
            }
        }

        /** One attribute; {@code kind} (an empty char[] or byte[]) tells the wrapper which Java type to fill. */
        private Object value(long object, long attribute, Object kind) throws TokenException {
            CK_ATTRIBUTE a = new CK_ATTRIBUTE();
            a.type = attribute;
            a.pValue = kind;
            try {
                p11.C_GetAttributeValue(handle, object, new CK_ATTRIBUTE[] {a}, true);
                return a.pValue;
            } catch (iaik.pkcs.pkcs11.wrapper.PKCS11Exception e) {
                throw IaikCryptoki.failure(e, module.toString(), "C_GetAttributeValue");
            }
        }

        private String text(long object, long attribute) throws TokenException {
            Object v = value(object, attribute, new char[0]);
            if (v instanceof char[] chars) {
                return new String(chars);
            }
            if (v instanceof byte[] b) {
                return new String(b, StandardCharsets.UTF_8);
            }
            return "";
        }

        private byte[] bytes(long object, long attribute) throws TokenException {
            Object v = value(object, attribute, new byte[0]);
            if (v instanceof byte[] b) {
                return b;
            }
            throw new TokenDeviceException("attribute 0x" + Long.toHexString(attribute) + " of an object of " + module
                    + " is not a byte string", "ATTRIBUTE_TYPE", null);
        }
    }
}
