package jp.securetoken.api;

import java.net.URI;

/**
 * How to open a token: at least its address. Providers define richer configurations (a PKCS#11
 * module path and slot, a software token's KDF setting) as their own implementations.
 */
public interface TokenConfig {

    /** The token's address; its scheme picks the provider. */
    URI uri();

    /** A configuration that is just an address. */
    static TokenConfig of(URI uri) {
        return () -> uri;
    }
}
