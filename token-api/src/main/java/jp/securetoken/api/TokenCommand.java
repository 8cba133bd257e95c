package jp.securetoken.api;

/** One command sequence for a token (e.g. SELECT + VERIFY + SIGN), run whole on the token's {@link CommandQueue}. */
@FunctionalInterface
public interface TokenCommand<T> {
    T execute() throws TokenException;
}
