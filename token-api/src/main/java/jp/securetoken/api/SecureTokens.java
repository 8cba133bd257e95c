package jp.securetoken.api;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point: finds the installed token providers and opens, lists and watches tokens.
 *
 * <pre>{@code
 * SecureTokens tokens = SecureTokens.discover();
 * try (SecureToken token = tokens.open("soft:/var/lib/node/node.stk")) {
 *     token.login(pinCallback);
 *     Credential credential = token.credential("node");
 * }
 * }</pre>
 */
public final class SecureTokens {
    private static final Logger LOG = LoggerFactory.getLogger(SecureTokens.class);

    private final List<TokenProvider> providers;

    private SecureTokens(List<TokenProvider> providers) {
        this.providers = List.copyOf(providers);
    }

    /** The providers registered with {@link ServiceLoader} on the thread's context class loader. */
    public static SecureTokens discover() {
        return discover(Thread.currentThread().getContextClassLoader());
    }

    public static SecureTokens discover(ClassLoader loader) {
        List<TokenProvider> found = new ArrayList<>();
        ServiceLoader.load(TokenProvider.class, loader).forEach(found::add);
        return new SecureTokens(found);
    }

    /** Exactly these providers, for applications that wire them by hand. */
    public static SecureTokens of(TokenProvider... providers) {
        return new SecureTokens(List.of(providers));
    }

    public List<TokenProvider> providers() {
        return providers;
    }

    /** The provider for a URI scheme. */
    public Optional<TokenProvider> provider(String scheme) {
        return providers.stream().filter(p -> p.scheme().equalsIgnoreCase(scheme)).findFirst();
    }

    /** Opens the token at {@code uri}, e.g. {@code soft:/path/node.stk}, {@code jpki:auth}, {@code pkcs11:token=...}. */
    public SecureToken open(String uri) throws TokenException {
        try {
            return open(new URI(uri));
        } catch (URISyntaxException e) {
            throw new TokenUriException("'" + uri + "' is not a URI: " + e.getReason());
        }
    }

    public SecureToken open(URI uri) throws TokenException {
        return open(TokenConfig.of(uri));
    }

    public SecureToken open(TokenConfig config) throws TokenException {
        URI uri = config.uri();
        if (uri == null || uri.getScheme() == null) {
            throw new TokenUriException("'" + uri + "' has no scheme; use e.g. soft:, jpki: or pkcs11:");
        }
        TokenProvider provider = provider(uri.getScheme()).orElseThrow(() -> new TokenUriException(
                "no installed provider opens '" + uri.getScheme() + ":' addresses; installed: " + schemes()));
        return provider.open(config);
    }

    /** Tokens present now, of every kind. A provider that fails to list is logged and skipped. */
    public List<TokenDescriptor> list() {
        List<TokenDescriptor> all = new ArrayList<>();
        for (TokenProvider p : providers) {
            try {
                all.addAll(p.presentTokens());
            } catch (TokenException e) {
                LOG.warn("Could not list {} tokens: {}", p.scheme(), e.getMessage());
            }
        }
        return all;
    }

    /**
     * Watches every kind of token that can report insert/remove events. Kinds that cannot are
     * logged once and left out.
     */
    public TokenWatch watch(TokenEventListener listener) throws TokenException {
        List<TokenWatch> watches = new ArrayList<>();
        for (TokenProvider p : providers) {
            try {
                watches.add(p.watch(listener));
            } catch (OperationNotSupportedException e) {
                LOG.info("{} tokens do not report insert/remove events: {}", p.scheme(), e.getMessage());
            } catch (TokenException e) {
                watches.forEach(TokenWatch::close);
                throw e;
            }
        }
        return () -> watches.forEach(TokenWatch::close);
    }

    private List<String> schemes() {
        return providers.stream().map(TokenProvider::scheme).toList();
    }
}
