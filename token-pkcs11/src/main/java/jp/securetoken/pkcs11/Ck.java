package jp.securetoken.pkcs11;

/** The PKCS#11 constants this module uses (PKCS#11 v2.40), kept here so no code depends on JDK internals for them. */
final class Ck {
    static final long CKF_RW_SESSION = 0x2L;
    static final long CKF_SERIAL_SESSION = 0x4L;

    static final long CKF_TOKEN_PRESENT = 0x1L;
    static final long CKF_REMOVABLE_DEVICE = 0x2L;

    static final long CKF_RNG = 0x1L;
    static final long CKF_WRITE_PROTECTED = 0x2L;
    static final long CKF_LOGIN_REQUIRED = 0x4L;
    static final long CKF_USER_PIN_INITIALIZED = 0x8L;
    static final long CKF_PROTECTED_AUTHENTICATION_PATH = 0x100L;
    static final long CKF_TOKEN_INITIALIZED = 0x400L;
    static final long CKF_USER_PIN_COUNT_LOW = 0x10000L;
    static final long CKF_USER_PIN_FINAL_TRY = 0x20000L;
    static final long CKF_USER_PIN_LOCKED = 0x40000L;
    static final long CKF_USER_PIN_TO_BE_CHANGED = 0x80000L;
    static final long CKF_SO_PIN_COUNT_LOW = 0x100000L;
    static final long CKF_SO_PIN_FINAL_TRY = 0x200000L;
    static final long CKF_SO_PIN_LOCKED = 0x400000L;
    static final long CKF_SO_PIN_TO_BE_CHANGED = 0x800000L;

    // mechanism info flags
    static final long CKF_ENCRYPT = 0x100L;
    static final long CKF_DECRYPT = 0x200L;
    static final long CKF_DIGEST = 0x400L;
    static final long CKF_SIGN = 0x800L;
    static final long CKF_VERIFY = 0x2000L;
    static final long CKF_GENERATE_KEY_PAIR = 0x10000L;

    static final long CKM_RSA_PKCS_KEY_PAIR_GEN = 0x0L;
    static final long CKM_RSA_PKCS = 0x1L;
    static final long CKM_RSA_X_509 = 0x3L;
    static final long CKM_RSA_PKCS_OAEP = 0x9L;
    static final long CKM_RSA_PKCS_PSS = 0xDL;
    static final long CKM_SHA_1 = 0x220L;
    static final long CKM_SHA256 = 0x250L;
    static final long CKM_SHA384 = 0x260L;
    static final long CKM_SHA512 = 0x270L;
    static final long CKM_EC_KEY_PAIR_GEN = 0x1040L;
    static final long CKM_ECDSA = 0x1041L;
    static final long CKM_AES_CBC = 0x1082L;

    static final long CKO_DATA = 0x0L;
    static final long CKO_CERTIFICATE = 0x1L;
    static final long CKO_PUBLIC_KEY = 0x2L;
    static final long CKO_PRIVATE_KEY = 0x3L;
    static final long CKO_SECRET_KEY = 0x4L;

    static final long CKK_RSA = 0x0L;
    static final long CKK_EC = 0x3L;

    static final long CKC_X_509 = 0x0L;

    static final long CKA_CLASS = 0x0L;
    static final long CKA_TOKEN = 0x1L;
    static final long CKA_PRIVATE = 0x2L;
    static final long CKA_LABEL = 0x3L;
    static final long CKA_APPLICATION = 0x10L;
    static final long CKA_VALUE = 0x11L;
    static final long CKA_CERTIFICATE_TYPE = 0x80L;
    static final long CKA_ISSUER = 0x81L;
    static final long CKA_SERIAL_NUMBER = 0x82L;
    static final long CKA_KEY_TYPE = 0x100L;
    static final long CKA_SUBJECT = 0x101L;
    static final long CKA_ID = 0x102L;
    static final long CKA_SENSITIVE = 0x103L;
    static final long CKA_SIGN = 0x108L;
    static final long CKA_VERIFY = 0x10AL;
    static final long CKA_MODULUS = 0x120L;
    static final long CKA_MODULUS_BITS = 0x121L;
    static final long CKA_PUBLIC_EXPONENT = 0x122L;
    static final long CKA_EXTRACTABLE = 0x162L;
    static final long CKA_EC_PARAMS = 0x180L;
    static final long CKA_EC_POINT = 0x181L;
    static final long CKA_MODIFIABLE = 0x170L;

    static final long CKU_SO = 0L;
    static final long CKU_USER = 1L;

    private Ck() {
    }
}
