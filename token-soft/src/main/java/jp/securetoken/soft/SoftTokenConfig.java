package jp.securetoken.soft;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Objects;

import jp.securetoken.api.TokenConfig;

/**
 * Opens the software token in one file; its address is {@code soft:/absolute/path/node.stk}.
 *
 * @param file the token file
 */
public record SoftTokenConfig(Path file) implements TokenConfig {

    public SoftTokenConfig {
        file = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
    }

    @Override
    public URI uri() {
        try {
            return new URI(SoftTokenProvider.SCHEME, null, file.toString().replace('\\', '/'), null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("no soft: address for " + file, e);
        }
    }
}
