package jp.securetoken.examples;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import javax.security.auth.x500.X500Principal;
import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.JahisCapability;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.lifecycle.issuer.EstServer;
import jp.securetoken.lifecycle.issuer.IssuerSetup;
import jp.securetoken.lifecycle.issuer.IssuerState;
import jp.securetoken.lifecycle.node.CredentialRenewer;
import jp.securetoken.lifecycle.node.NodeEnrollment;
import jp.securetoken.tls.JsseNodeContext;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.audit.AuditEvent;
import jp.securetoken.tls.audit.AuditSink;
import jp.securetoken.tls.trust.TrustPolicy;

/**
 * The demo's second part, the credential lifecycle (JAHIS 7.2.3): an issuing server (EST) whose CA
 * key is in a software token; the operator invites a clinic; the clinic's node enrolls (key made in
 * its token, the server authenticated against the issuer anchor) and serves with a
 * {@link CredentialRenewer} attached; the renewal (brought forward from two thirds of the lifetime
 * for the demo) swaps the credential while a connection stays open, and the next handshake
 * presents the new certificate.
 */
final class LifecycleDemo {
    private LifecycleDemo() {
    }

    /** Runs the lifecycle part in {@code dir}; returns "enrolled" and "renewed" as each step succeeded. */
    static List<String> run(Path dir, PrintStream out) throws Exception {
        List<String> outcomes = new ArrayList<>();
        SecureToken issuerToken = ExampleNodes.empty(dir, "regional-issuer");
        X509Certificate anchor = IssuerSetup.initialise(issuerToken,
                new X500Principal("CN=Regional Network Issuing CA (demo), C=JP"), Duration.ofDays(3650),
                List.of("127.0.0.1", "localhost"), Clock.systemUTC());
        IssuerState state = IssuerState.open(dir.resolve("issuer-state"));
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        SecureToken nodeToken = ExampleNodes.empty(dir, "clinic-002");
        SecureToken peerToken = ExampleNodes.empty(dir, "hospital-101");
        try (EstServer est = EstServer.builder(issuerToken, state).start()) {
            out.printf("%nIssuing server (EST, RFC 7030) on %s, CA key in software token %s%n", est.uri(),
                    issuerToken.info().label());
            X500Principal clinic = new X500Principal("CN=clinic-002, O=Example Clinic, C=JP");
            String code = state.invite(clinic, List.of(), Duration.ofDays(1));
            out.printf("Operator invited %s with a one-time enrollment code%n", clinic.getName());

            Credential enrolled = NodeEnrollment.enroll(nodeToken, ExampleNodes.ALIAS, KeyAlgorithm.EC_P256, est.uri(),
                    anchor, code.toCharArray(), null);
            out.printf("clinic-002 enrolled: key generated in its token, certificate serial %s valid until %s;"
                    + " issuing-server authentication: %s%n", serial(enrolled.certificate()),
                    enrolled.certificate().getNotAfter().toInstant(),
                    nodeToken.capabilities().supports(JahisCapability.ISSUING_SERVER_AUTHENTICATION) ? "yes" : "no");
            outcomes.add("enrolled");
            // a peer of the same network, enrolled the same way
            NodeEnrollment.enroll(peerToken, ExampleNodes.ALIAS, KeyAlgorithm.EC_P256, est.uri(), anchor,
                    state.invite(new X500Principal("CN=hospital-101, O=Example Hospital, C=JP"), List.of(),
                            Duration.ofDays(1)).toCharArray(), null);

            AuditSink printed = new AuditSink() {
                @Override
                public void record(AuditEvent event) {
                    out.printf("  audit: %s, %s: %s%n", event.kind().typeName(), event.outcome(), event.detail());
                }

                @Override
                public void close() {
                }
            };
            TrustPolicy trust = TrustPolicy.builder().trustAnchors(anchor).build();
            try (CredentialRenewer renewer = CredentialRenewer.builder(nodeToken, ExampleNodes.ALIAS).audit(printed)
                    .start();
                    NodeTlsContext server = NodeTls.server(renewer.source()).trustPolicy(trust).build()) {
                out.printf("clinic-002 serves with a renewer attached; renewal due at %s (two thirds of the "
                        + "lifetime, with jitter)%n", renewer.nextAttempt().orElseThrow());
                Channel listener = echoServer(server, loop);
                int port = ((InetSocketAddress) listener.localAddress()).getPort();
                JsseNodeContext peer = NodeTls.client(CredentialSource.of(peerToken, ExampleNodes.ALIAS))
                        .trustPolicy(trust).buildJsse();
                try (SSLSocket open = peer.connect("127.0.0.1", port, Duration.ofSeconds(20))) {
                    out.printf("hospital-101 connected; clinic-002 presented serial %s; echo: %s%n", serial(presented(open)),
                            echo(open, "before"));
                    X509Certificate renewed = renewer.renewNow().get(60, TimeUnit.SECONDS);
                    out.printf("Renewal (brought forward for the demo): now serial %s, new key, valid until %s%n",
                            serial(renewed), renewed.getNotAfter().toInstant());
                    out.printf("The open connection carries on; echo: %s%n", echo(open, "during"));
                    // a fresh context: a session resumed from the first context would keep the first certificate
                    JsseNodeContext fresh = NodeTls.client(CredentialSource.of(peerToken, ExampleNodes.ALIAS))
                            .trustPolicy(trust).buildJsse();
                    try (SSLSocket next = fresh.connect("127.0.0.1", port, Duration.ofSeconds(20))) {
                        X509Certificate shown = presented(next);
                        out.printf("The next full handshake presents serial %s%n", serial(shown));
                        if (shown.equals(renewed) && !renewed.equals(enrolled.certificate())) {
                            outcomes.add("renewed");
                        }
                    }
                } catch (IOException e) {
                    out.printf("  the connection ended: %s%n", e.getMessage());
                } finally {
                    listener.close().sync();
                }
            }
        } finally {
            loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            nodeToken.close();
            peerToken.close();
            issuerToken.close();
        }
        return outcomes;
    }

    private static String serial(X509Certificate c) {
        return c.getSerialNumber().toString(16);
    }

    private static X509Certificate presented(SSLSocket socket) throws IOException {
        return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }

    private static String echo(SSLSocket socket, String text) throws IOException {
        byte[] out = text.getBytes(StandardCharsets.US_ASCII);
        socket.getOutputStream().write(out);
        socket.getOutputStream().flush();
        byte[] in = new byte[out.length];
        new DataInputStream(socket.getInputStream()).readFully(in);
        return new String(in, StandardCharsets.US_ASCII);
    }

    private static Channel echoServer(NodeTlsContext tls, EventLoopGroup loop) throws InterruptedException {
        return new ServerBootstrap().group(loop).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        tls.addTo(c);
                        c.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                ctx.writeAndFlush(msg.retain());
                            }
                        });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }
}
