package jp.securetoken.examples;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.buffer.Unpooled;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.jpki.JpkiTokenProvider;
import jp.securetoken.jpki.emulator.EmulatedReader;
import jp.securetoken.jpki.emulator.JpkiCardEmulator;
import jp.securetoken.jpki.emulator.JpkiCardIdentity;
import jp.securetoken.jpki.emulator.JpkiPinRole;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.JsseNodeContext;
import jp.securetoken.tls.NodeAuthenticatedEvent;
import jp.securetoken.tls.NodeAuthenticationFailedEvent;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.trust.TrustPolicy;

/**
 * The demo of the README's first command: on loopback, with nothing but the repository, a test CA,
 * a regional-network gateway and a clinic node on software tokens, a clinic terminal with an
 * emulated My Number Card in an in-JVM reader, and a node from an unknown CA. Each connection
 * prints who authenticated whom, over which TLS version, with which token; the stranger is refused
 * with its reason. Then the credential lifecycle ({@link LifecycleDemo}): a node enrolls with an
 * issuing server and renews while it serves.
 */
public final class Demo {

    /** Each step's outcome when the demo works. */
    static final List<String> EXPECTED = List.of("authenticated", "authenticated", "refused", "enrolled", "renewed");

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        List<String> outcomes = run(Files.createTempDirectory("securetoken-demo"), System.out);
        System.exit(outcomes.equals(EXPECTED) ? 0 : 1);
    }

    /** Runs the demo in {@code dir}; returns each connection's outcome as the gateway saw it. */
    public static List<String> run(Path dir, PrintStream out) throws Exception {
        TestPki regionalCa = TestPki.create("Regional Network CA (demo)");
        TestPki jpkiCa = TestPki.create("JPKI for user authentication (demo)", TestPki.Keys.rsa(2048));
        ExampleNodes nodes = new ExampleNodes(dir, regionalCa);
        SecureToken gatewayToken = nodes.node("regional-gateway", i -> i.serverAuth());
        SecureToken clinicToken = nodes.node("clinic-001", i -> i.clientAuth());
        SecureToken strangerToken = new ExampleNodes(dir, TestPki.create("Unknown CA (demo)"))
                .node("stranger", i -> i.clientAuth());
        JpkiCardIdentity card = ExampleNodes.myNumberCard(jpkiCa, "DEMO0001A2B3C4D5");
        EmulatedReader terminalReader = new EmulatedReader(JpkiCardEmulator.of(card));

        // JPKI user-authentication certificates carry no TLS extended key usage: accepted, as RFC 5280 reads its absence.
        TrustPolicy gatewayTrust = TrustPolicy.builder().trustAnchors(regionalCa.caCertificate(), jpkiCa.caCertificate())
                .build();
        TrustPolicy clientTrust = TrustPolicy.builder().trustAnchors(regionalCa.caCertificate()).build();
        BlockingQueue<Object> seen = new LinkedBlockingQueue<>();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        List<String> outcomes = new ArrayList<>();
        try (NodeTlsContext gateway = NodeTls.server(CredentialSource.of(gatewayToken, ExampleNodes.ALIAS))
                .trustPolicy(gatewayTrust).build();
                SecureToken cardToken = SecureTokens.of(new JpkiTokenProvider(terminalReader.terminalFactory()))
                        .open("jpki:auth")) {
            Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            gateway.addTo(ch);
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                    if (evt instanceof NodeAuthenticatedEvent ok) {
                                        seen.add(evt);
                                        ctx.writeAndFlush(Unpooled.copiedBuffer("welcome " + ok.identity().nodeId()
                                                + "\n", StandardCharsets.UTF_8));
                                    } else if (evt instanceof NodeAuthenticationFailedEvent) {
                                        seen.add(evt);
                                    }
                                }
                            });
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            out.printf("Regional gateway on 127.0.0.1:%d, key in software token %s%n", port, gatewayToken.info().label());

            cardToken.login(request -> card.pin(JpkiPinRole.AUTHENTICATION).toCharArray());
            connect("clinic node", clinicToken, "software token " + clinicToken.info().label(), clientTrust, port, seen,
                    outcomes, out);
            connect("clinic terminal", cardToken, "emulated " + cardToken.info().label(),
                    clientTrust, port, seen, outcomes, out);
            connect("stranger", strangerToken, "software token " + strangerToken.info().label(), clientTrust, port,
                    seen, outcomes, out);
            listener.close().sync();
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            for (SecureToken t : List.of(gatewayToken, clinicToken, strangerToken)) {
                t.close();
            }
        }
        outcomes.addAll(LifecycleDemo.run(dir, out));
        return outcomes;
    }

    private static void connect(String who, SecureToken token, String tokenName, TrustPolicy trust, int port,
            BlockingQueue<Object> seen, List<String> outcomes, PrintStream out) throws Exception {
        String alias = token.credentials().get(0).alias();
        JsseNodeContext tls = NodeTls.client(CredentialSource.of(token, alias)).trustPolicy(trust).buildJsse();
        try (SSLSocket socket = tls.connect("127.0.0.1", port, Duration.ofSeconds(20))) {
            out.printf("%s (%s) connected: the gateway proved to be %s, %s%n", who, tokenName,
                    socket.getSession().getPeerPrincipal().getName(), socket.getSession().getProtocol());
            String greeting = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            out.printf("  gateway said: %s%n", greeting == null ? "nothing, it closed the connection" : greeting);
        } catch (IOException e) {
            out.printf("  the connection ended: %s%n", e.getMessage());
        }
        Object event = seen.poll(20, TimeUnit.SECONDS);
        if (event instanceof NodeAuthenticatedEvent ok) {
            out.printf("  gateway authenticated %s: %s over %s%n", who, ok.identity().certificate()
                    .getSubjectX500Principal().getName(), ok.identity().protocol());
            outcomes.add("authenticated");
        } else if (event instanceof NodeAuthenticationFailedEvent failed) {
            out.printf("  gateway refused %s: %s%n", who, failed.message());
            outcomes.add("refused");
        } else {
            out.printf("  gateway saw nothing from %s within 20 s%n", who);
            outcomes.add("nothing");
        }
    }
}
