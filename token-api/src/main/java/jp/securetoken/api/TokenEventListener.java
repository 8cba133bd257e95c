package jp.securetoken.api;

/** Told when tokens are inserted or removed. Called on a watcher thread; keep it short. */
@FunctionalInterface
public interface TokenEventListener {
    void onTokenEvent(TokenEvent event);
}
