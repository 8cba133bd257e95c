package jp.securetoken.remote;

import java.time.Clock;
import java.util.List;

import jp.securetoken.api.OperationNotSupportedException;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenConfig;
import jp.securetoken.api.TokenDescriptor;
import jp.securetoken.api.TokenEventListener;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenProvider;
import jp.securetoken.api.TokenWatch;

/**
 * The {@code csc:} token provider, registered with {@link java.util.ServiceLoader}: opens a remote
 * signing service from a {@link CscTokenConfig} or a {@code csc://} address. A remote service is
 * not discovered: it is named by its address, so nothing is "present" and nothing is inserted.
 */
public final class CscTokenProvider implements TokenProvider {

    @Override
    public String scheme() {
        return CscTokenConfig.SCHEME;
    }

    @Override
    public SecureToken open(TokenConfig config) throws TokenException {
        CscTokenConfig csc = config instanceof CscTokenConfig c ? c : CscTokenConfig.parse(config.uri(), System::getenv);
        return CscToken.open(csc, Clock.systemUTC());
    }

    @Override
    public List<TokenDescriptor> presentTokens() {
        return List.of();
    }

    @Override
    public TokenWatch watch(TokenEventListener listener) throws TokenException {
        throw new OperationNotSupportedException("Watching remote tokens",
                "a signing service is named by its address; there is nothing to insert or remove");
    }
}
