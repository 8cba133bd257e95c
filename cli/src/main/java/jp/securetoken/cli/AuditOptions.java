package jp.securetoken.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.SecureToken;
import jp.securetoken.soft.SoftTokens;
import jp.securetoken.tls.NodeAuthenticationListener;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.audit.AuditEvent;
import jp.securetoken.tls.audit.AuditedToken;
import jp.securetoken.tls.audit.NodeAuthenticationAuditor;
import jp.securetoken.tls.audit.RevocationSourceAuditor;
import jp.securetoken.tls.audit.SyslogTlsAuditSink;
import jp.securetoken.tls.trust.RevocationSourceListener;
import jp.securetoken.tls.trust.TrustPolicy;
import picocli.CommandLine.Option;

/**
 * {@code --audit-syslog} and its options: an IHE ATNA audit trail (DICOM audit messages over RFC 5425
 * syslog on mutual TLS, authenticated with the node's own token credential) with an on-disk spool.
 */
final class AuditOptions {
    @Option(names = "--audit-syslog", paramLabel = "HOST:PORT", description = "Send the audit trail (logins, PIN "
            + "locks, credential writes, every handshake) to this audit record repository: RFC 5425 syslog over "
            + "mutual TLS with the token's credential.")
    String repository;

    @Option(names = "--audit-ca", paramLabel = "PEM", description = "CA certificate(s) the repository's certificate "
            + "must lead to (default: the --ca files); repeatable.")
    List<Path> caFiles = new ArrayList<>();

    @Option(names = "--audit-spool", paramLabel = "DIR", description = "Where undelivered audit events wait, also "
            + "across restarts (default: ~/.nodeauth/audit-spool/HOST_PORT).")
    Path spool;

    @Option(names = "--audit-spool-size", paramLabel = "EVENTS", description = "Undelivered events the spool holds "
            + "before new ones are dropped and counted (default: ${DEFAULT-VALUE}).")
    int spoolSize = 100_000;

    /** The audit trail of one command run; does nothing without {@code --audit-syslog}. */
    static final class Trail implements AutoCloseable {
        private final SyslogTlsAuditSink sink;

        private Trail(SyslogTlsAuditSink sink) {
            this.sink = sink;
        }

        /** {@code token}, with its logins and credential writes audited. */
        SecureToken watch(SecureToken token) {
            return sink == null ? token : AuditedToken.wrap(token, sink, Clock.systemUTC());
        }

        /** Records every handshake outcome. */
        NodeAuthenticationListener listener() {
            return sink == null ? NodeAuthenticationListener.none()
                    : new NodeAuthenticationAuditor(sink, Clock.systemUTC());
        }

        /** Records fetch failures and new CRLs of the revocation sources. */
        RevocationSourceListener revocationListener() {
            return sink == null ? RevocationSourceListener.none() : new RevocationSourceAuditor(sink, Clock.systemUTC());
        }

        /** Records an application start or stop. */
        void application(AuditEvent.Kind kind, String detail) {
            if (sink != null) {
                sink.record(new AuditEvent(kind, AuditEvent.Outcome.SUCCESS, Instant.now(), Optional.empty(),
                        Optional.empty(), detail));
            }
        }

        @Override
        public void close() {
            if (sink != null) {
                application(AuditEvent.Kind.APPLICATION_STOP, "nodeauth serve stopped");
                sink.close();
            }
        }
    }

    /**
     * Starts the audit trail for {@code token}'s credential {@code alias}, or an empty one without
     * {@code --audit-syslog}.
     */
    Trail start(SecureToken token, String alias, String nodeId, List<Path> defaultCaFiles) throws Exception {
        if (repository == null) {
            return new Trail(null);
        }
        TlsOptions.HostPort target = TlsOptions.HostPort.parse(repository, "--audit-syslog");
        if (spoolSize < 1) {
            throw new CliException(ExitCode.USAGE, "--audit-spool-size must be at least 1");
        }
        TrustPolicy.Builder trust = TrustPolicy.builder();
        for (Path ca : caFiles.isEmpty() ? defaultCaFiles : caFiles) {
            trust.trustAnchors(SoftTokens.readCertificates(TokenAction.readInput(ca, "CA file"))
                    .toArray(X509Certificate[]::new));
        }
        Path directory = spool != null ? spool : Path.of(System.getProperty("user.home"), ".nodeauth",
                "audit-spool", target.host() + "_" + target.port());
        try {
            return new Trail(SyslogTlsAuditSink.to(NodeTls.client(CredentialSource.of(token, alias))
                    .trustPolicy(trust.build()).buildJsse(), target.host(), target.port()).localNodeId(nodeId)
                    .spool(directory, spoolSize).start());
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILURE, "cannot use the audit spool " + directory + ": "
                    + e.getMessage(), e);
        }
    }
}
