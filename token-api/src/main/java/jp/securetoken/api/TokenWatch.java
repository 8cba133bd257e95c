package jp.securetoken.api;

/** A running subscription to token insert/remove events; close it to stop the events. */
public interface TokenWatch extends AutoCloseable {
    @Override
    void close();
}
