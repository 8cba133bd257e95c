package jp.securetoken.soft;

import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import jp.securetoken.api.OperationNotSupportedException;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenConfig;
import jp.securetoken.api.TokenDescriptor;
import jp.securetoken.api.TokenEventListener;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenProvider;
import jp.securetoken.api.TokenUriException;
import jp.securetoken.api.TokenWatch;

/**
 * The {@code soft:} token provider, registered with {@link java.util.ServiceLoader}. It opens
 * {@code soft:/absolute/path/node.stk} addresses (or a {@link SoftTokenConfig}), and lists and
 * watches the {@code *.stk} files of the directory named by the system property
 * {@value #DIRECTORY_PROPERTY}, else the environment variable {@value #DIRECTORY_ENV}.
 */
public final class SoftTokenProvider implements TokenProvider {
    /** The URI scheme: {@code soft}. */
    public static final String SCHEME = "soft";
    /** System property naming the directory whose token files discovery lists. */
    public static final String DIRECTORY_PROPERTY = "securetoken.soft.dir";
    /** Environment variable naming that directory when the property is not set. */
    public static final String DIRECTORY_ENV = "SECURETOKEN_SOFT_DIR";

    @Override
    public String scheme() {
        return SCHEME;
    }

    @Override
    public SecureToken open(TokenConfig config) throws TokenException {
        Path file = config instanceof SoftTokenConfig soft ? soft.file() : path(config.uri());
        return SoftToken.open(file);
    }

    static Path path(URI uri) throws TokenUriException {
        if (uri == null || !SCHEME.equalsIgnoreCase(uri.getScheme())) {
            throw new TokenUriException("'" + uri + "' is not a soft: address");
        }
        String p = uri.getPath() != null ? uri.getPath() : uri.getSchemeSpecificPart();
        try {
            Path path = p == null ? null : Path.of(p);
            if (path == null || !path.isAbsolute()) {
                throw new TokenUriException("'" + uri + "' must name an absolute file, e.g. soft:/var/lib/node/node.stk");
            }
            return path;
        } catch (InvalidPathException e) {
            throw new TokenUriException("'" + uri + "' does not name a file: " + e.getReason());
        }
    }

    /** The directory discovery looks in, if one is configured. */
    static Optional<Path> directory() {
        String dir = System.getProperty(DIRECTORY_PROPERTY);
        if (dir == null || dir.isBlank()) {
            dir = System.getenv(DIRECTORY_ENV);
        }
        return dir == null || dir.isBlank() ? Optional.empty() : Optional.of(Path.of(dir).toAbsolutePath());
    }

    @Override
    public List<TokenDescriptor> presentTokens() {
        Optional<Path> dir = directory();
        if (dir.isEmpty()) {
            return List.of();
        }
        List<TokenDescriptor> out = new ArrayList<>();
        for (Path file : DirectoryWatch.list(dir.get()).keySet()) {
            out.add(new TokenDescriptor(new SoftTokenConfig(file).uri(), SoftTokens.peekLabel(file),
                    "software token file " + file));
        }
        out.sort(Comparator.comparing(d -> d.uri().toString()));
        return out;
    }

    @Override
    public TokenWatch watch(TokenEventListener listener) throws TokenException {
        Path dir = directory().orElseThrow(() -> new OperationNotSupportedException("Watching software tokens",
                "no token directory is configured; set " + DIRECTORY_PROPERTY + " or " + DIRECTORY_ENV));
        return new DirectoryWatch(dir, listener);
    }
}
