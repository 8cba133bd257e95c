package jp.securetoken.api;

import java.net.URI;
import java.time.Instant;

/**
 * A token arrived or left (PKCS#11 C_WaitForSlotEvent).
 *
 * @param type  inserted or removed
 * @param uri   the token's address
 * @param label its label where known
 * @param at    when it was seen
 */
public record TokenEvent(Type type, URI uri, String label, Instant at) {

    /** Whether the token arrived or left. */
    public enum Type {
        INSERTED, REMOVED
    }
}
