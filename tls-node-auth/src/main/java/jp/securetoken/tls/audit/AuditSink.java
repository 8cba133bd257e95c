package jp.securetoken.tls.audit;

/** Where audit events go (an audit record repository, a log). Must not block its caller for long. */
public interface AuditSink extends AutoCloseable {

    void record(AuditEvent event);

    @Override
    void close();
}
