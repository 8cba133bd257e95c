package jp.securetoken.pkcs11;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jp.securetoken.api.TokenBusyException;
import jp.securetoken.api.TokenDeviceException;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenNotPresentException;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.Mechanism;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.PKCS11Module;
import org.xipki.pkcs11.wrapper.Slot;

/**
 * A PKCS#11 library that its user initialises and finalises itself, for libraries whose
 * specification demands it (the official JPKI libraries: C_Initialize at the start of the calling
 * sequences, C_Finalize at the end, one library at a time). Unlike a SunPKCS11 token, nothing else in
 * the process shares the library: {@link #initialize} fails with {@link TokenBusyException} when the
 * library is already initialised in this process, and {@link #close} calls C_Finalize.
 *
 * <p>Calls go through xipki's higher-level API over the IAIK wrapper ({@code org.xipki:ipkcs11wrapper}):
 * its attribute reads ask the library for each value's length and then for the value, as the JPKI
 * calling sequences do (the wrapper's raw {@code C_GetAttributeValue} left the values empty).
 * Only the calls the JPKI calling sequences use: slot and token information, sessions, user login
 * and logout, finding certificates and private keys, CKM_RSA_PKCS signing. Not thread-safe: one
 * calling sequence at a time, as the JPKI specification requires.
 */
public final class Pkcs11Library implements AutoCloseable {
    private static final long CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191L;

    private final PKCS11Module p11;
    private final Path module;
    private boolean finalized;

    private Pkcs11Library(PKCS11Module p11, Path module) {
        this.p11 = p11;
        this.module = module;
    }

    /**
     * Loads the library (C_GetFunctionList) and calls C_Initialize.
     *
     * @throws TokenBusyException when this process has it initialised already
     */
    public static Pkcs11Library initialize(Path module) throws TokenException {
        PKCS11Module p11 = IaikCryptoki.xipkiModule(module);
        try {
            p11.initialize();
        } catch (PKCS11Exception e) {
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

    /**
     * C_GetSlotList(tokenPresent=TRUE), then C_GetSlotInfo and C_GetTokenInfo of each: the slots with
     * an initialised token (a library may offer an empty slot for a new token, as SoftHSM2 does).
     */
    public List<TokenSlot> slotsWithToken() throws TokenException {
        try {
            List<TokenSlot> out = new ArrayList<>();
            for (Slot slot : p11.getSlotList(true)) {
                slot.getSlotInfo();
                org.xipki.pkcs11.wrapper.TokenInfo info = slot.getToken().getTokenInfo();
                if (info.hasFlagBit(Ck.CKF_TOKEN_INITIALIZED)) {
                    out.add(new TokenSlot(slot, info.getLabel().trim()));
                }
            }
            if (out.isEmpty()) {
                throw new TokenNotPresentException("no card in the slots of " + module);
            }
            return out;
        } catch (PKCS11Exception e) {
            throw IaikCryptoki.failure(e, module.toString(), "C_GetSlotList");
        }
    }

    /** A slot holding a token, with the token's label. */
    public record TokenSlot(Slot slot, String label) {
    }

    /** C_OpenSession (serial, read-only, no callback). */
    public Session openSession(TokenSlot slot) throws TokenException {
        try {
            return new Session(slot.slot().getToken().openSession(false));
        } catch (PKCS11Exception e) {
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
            p11.finalize(null);
        } catch (PKCS11Exception e) {
            throw IaikCryptoki.failure(e, module.toString(), "C_Finalize");
        }
    }

    /** A certificate object: its CKA_LABEL and CKA_VALUE. */
    public record Certificate(String label, byte[] der) {
    }

    /** One session of the library. */
    public final class Session implements AutoCloseable {
        private final org.xipki.pkcs11.wrapper.Session session;

        private Session(org.xipki.pkcs11.wrapper.Session session) {
            this.session = session;
        }

        /** C_Login as CKU_USER. The caller wipes the PIN. */
        public void login(char[] pin) throws TokenException {
            try {
                session.login(Ck.CKU_USER, pin);
            } catch (PKCS11Exception e) {
                throw IaikCryptoki.failure(e, module.toString(), "C_Login");
            }
        }

        /** C_Logout. */
        public void logout() throws TokenException {
            try {
                session.logout();
            } catch (PKCS11Exception e) {
                throw IaikCryptoki.failure(e, module.toString(), "C_Logout");
            }
        }

        /**
         * The certificate sequence of the specification: C_FindObjectsInit(CKO_CERTIFICATE,
         * CKA_TOKEN=TRUE), C_FindObjects, C_GetAttributeValue(CKA_LABEL, CKA_VALUE) of each (length,
         * then value), C_FindObjectsFinal.
         */
        public List<Certificate> certificates() throws TokenException {
            List<Certificate> out = new ArrayList<>();
            for (long h : find(new AttributeVector().class_(Ck.CKO_CERTIFICATE).token(true))) {
                try {
                    AttributeVector v = session.getAttrValues(h, Ck.CKA_LABEL, Ck.CKA_VALUE);
                    byte[] der = v.value();
                    if (der == null || der.length == 0) {
                        throw new TokenDeviceException("a certificate object of " + module + " has no CKA_VALUE",
                                "CKA_VALUE", null);
                    }
                    out.add(new Certificate(v.label() == null ? "" : v.label(), der));
                } catch (PKCS11Exception e) {
                    throw IaikCryptoki.failure(e, module.toString(), "C_GetAttributeValue");
                }
            }
            return out;
        }

        /**
         * The private keys of the certificate's RSA key, as the signing sequence finds them:
         * C_FindObjectsInit(CKO_PRIVATE_KEY, CKA_TOKEN=TRUE, CKA_MODULUS, CKA_PUBLIC_EXPONENT), each
         * with its CKA_LABEL.
         */
        public List<PrivateKey> privateKeys(BigInteger modulus, BigInteger publicExponent) throws TokenException {
            List<PrivateKey> out = new ArrayList<>();
            for (long h : find(new AttributeVector().class_(Ck.CKO_PRIVATE_KEY).token(true).modulus(modulus)
                    .publicExponent(publicExponent))) {
                try {
                    String label = session.getAttrValues(h, Ck.CKA_LABEL).label();
                    out.add(new PrivateKey(h, label == null ? "" : label));
                } catch (PKCS11Exception e) {
                    throw IaikCryptoki.failure(e, module.toString(), "C_GetAttributeValue");
                }
            }
            return out;
        }

        /** C_SignInit(CKM_RSA_PKCS) and C_Sign (length, then value) over a DigestInfo the caller built. */
        public byte[] signRsaPkcs(PrivateKey key, byte[] digestInfo) throws TokenException {
            try {
                return session.signSingle(new Mechanism(Ck.CKM_RSA_PKCS), key.handle(), digestInfo);
            } catch (PKCS11Exception e) {
                throw IaikCryptoki.failure(e, module.toString(), "C_Sign");
            }
        }

        /** C_CloseSession. */
        @Override
        public void close() throws TokenException {
            try {
                session.closeSession();
            } catch (PKCS11Exception e) {
                throw IaikCryptoki.failure(e, module.toString(), "C_CloseSession");
            }
        }

        private long[] find(AttributeVector template) throws TokenException {
            try {
                session.findObjectsInit(template);
                try {
                    List<Long> all = new ArrayList<>();
                    long[] batch;
                    do {
                        batch = session.findObjects(2);
                        for (long h : batch) {
                            all.add(h);
                        }
                    } while (batch.length > 0);
                    return all.stream().mapToLong(Long::longValue).toArray();
                } finally {
                    session.findObjectsFinal();
                }
            } catch (PKCS11Exception e) {
                throw IaikCryptoki.failure(e, module.toString(), "C_FindObjects");
            }
        }
    }

    /** A private key object: its handle in the session and its CKA_LABEL. */
    public record PrivateKey(long handle, String label) {
    }
}
