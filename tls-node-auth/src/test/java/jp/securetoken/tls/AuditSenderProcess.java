package jp.securetoken.tls;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.SecureToken;
import jp.securetoken.soft.SoftTokens;
import jp.securetoken.tls.audit.SyslogTlsAuditSink;
import jp.securetoken.tls.trust.TrustPolicy;

/**
 * The sending process that {@link AuditDeliveryTest} kills: records numbered events as fast as the
 * spool takes them and prints {@code recorded N} after each {@code record} returned. Arguments:
 * spool directory, repository port, token file, CA file; the PIN comes on standard input.
 */
public final class AuditSenderProcess {
    private AuditSenderProcess() {
    }

    public static void main(String[] args) throws Exception {
        char[] pin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine()
                .toCharArray();
        SecureToken token = SoftTokens.open(Path.of(args[2]));
        try (PinCallback.Fixed callback = PinCallback.fixed(pin)) {
            token.login(callback);
        }
        TrustPolicy trust = TrustPolicy.builder().trustAnchors(Path.of(args[3])).build();
        SyslogTlsAuditSink sink = SyslogTlsAuditSink.to(NodeTls.client(CredentialSource.of(token, TestNodes.ALIAS))
                .trustPolicy(trust).buildJsse(), "127.0.0.1", Integer.parseInt(args[1])).localNodeId("gateway")
                .spool(Path.of(args[0]), 10_000).start();
        for (int i = 1; ; i++) {
            sink.record(AuditDeliveryTest.event(i));
            System.out.println("recorded " + i);
            System.out.flush();
        }
    }
}
