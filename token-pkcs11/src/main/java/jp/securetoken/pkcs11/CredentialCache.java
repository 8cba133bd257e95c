package jp.securetoken.pkcs11;

import java.time.Duration;
import java.util.List;

import jp.securetoken.api.Credential;

/**
 * The credentials of one PKCS#11 token as last read from the device, so that a TLS server, which
 * asks for its credential at every handshake, does not search the token's objects each time.
 *
 * <p>An answer is kept for at most {@link #RECHECK}: another process may renew the credential
 * ({@code nodeauth renew}, {@code cert import}, {@code pkcs11-tool}) and PKCS#11 says nothing when
 * that happens, so after that long the token's objects are mapped and read again. A write through
 * this token forgets the answer at once; so does a login, a logout, a lost device, and a key object
 * found gone while signing. Used on the token's queue thread only.
 */
final class CredentialCache {
    /** How long credentials read from the device are answered from memory. */
    static final Duration RECHECK = Duration.ofSeconds(1);

    private final long recheckNanos;
    private List<Credential> credentials;
    private long readAt;
    /** Whether SunPKCS11's KeyStore mapped the token's objects (it maps them at load only), and when. */
    private boolean mapped;
    private long mappedAt;

    CredentialCache(Duration recheck) {
        this.recheckNanos = recheck.toNanos();
    }

    /** The credentials read less than {@link #RECHECK} ago, or null when they must be read again. */
    List<Credential> fresh(long nowNanos) {
        return credentials != null && nowNanos - readAt < recheckNanos ? credentials : null;
    }

    /**
     * Whether SunPKCS11's KeyStore must map the token's objects again before a read: its mapping is
     * {@link #RECHECK} old (another process may have written since), or objects were found gone.
     */
    boolean mustMapObjects(long nowNanos) {
        return !mapped || nowNanos - mappedAt >= recheckNanos;
    }

    /** SunPKCS11's KeyStore mapped the token's objects (at login, or again), at {@code nowNanos}. */
    void objectsMapped(long nowNanos) {
        mapped = true;
        mappedAt = nowNanos;
    }

    /** Keeps what was just read from the device, starting at {@code readAtNanos}. */
    List<Credential> store(List<Credential> read, long readAtNanos) {
        credentials = List.copyOf(read);
        readAt = readAtNanos;
        return credentials;
    }

    /** After a write through this token, a login or a logout: the next read goes to the device. */
    void forget() {
        credentials = null;
    }

    /** Objects changed behind SunPKCS11's KeyStore (a key object was found gone): map and read them anew. */
    void forgetObjects() {
        credentials = null;
        mapped = false;
    }
}
