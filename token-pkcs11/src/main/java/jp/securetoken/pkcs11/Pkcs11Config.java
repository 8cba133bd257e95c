package jp.securetoken.pkcs11;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

import jp.securetoken.api.TokenConfig;

/**
 * How to open a PKCS#11 token without writing a URI: the library and either the token's label or
 * its slot number. {@link #uri()} gives the equivalent RFC 7512 address.
 *
 * @param modulePath the PKCS#11 library, e.g. {@code /usr/lib/softhsm/libsofthsm2.so}
 * @param tokenLabel the token's label, or {@code null} to select by slot
 * @param slotId     the slot number, or {@code null} to select by label
 */
public record Pkcs11Config(Path modulePath, String tokenLabel, Long slotId) implements TokenConfig {

    public Pkcs11Config {
        Objects.requireNonNull(modulePath, "modulePath");
        if (tokenLabel == null && slotId == null) {
            throw new IllegalArgumentException("give a token label or a slot id");
        }
    }

    /** The token with this label in the library's slots. */
    public static Pkcs11Config token(Path modulePath, String tokenLabel) {
        return new Pkcs11Config(modulePath, Objects.requireNonNull(tokenLabel, "tokenLabel"), null);
    }

    /** The token in this slot. */
    public static Pkcs11Config slot(Path modulePath, long slotId) {
        return new Pkcs11Config(modulePath, null, slotId);
    }

    @Override
    public URI uri() {
        StringBuilder sb = new StringBuilder("pkcs11:");
        if (tokenLabel != null) {
            sb.append("token=").append(Pkcs11Uri.encode(tokenLabel, false));
        }
        if (slotId != null) {
            sb.append(tokenLabel != null ? ";" : "").append("slot-id=").append(Long.toUnsignedString(slotId));
        }
        sb.append("?module-path=").append(Pkcs11Uri.encode(modulePath.toAbsolutePath().toString(), true));
        return URI.create(sb.toString());
    }
}
