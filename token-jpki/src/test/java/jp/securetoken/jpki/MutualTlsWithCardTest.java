package jp.securetoken.jpki;

import static jp.securetoken.jpki.CardInReader.AUTH_PIN;
import static jp.securetoken.jpki.CardInReader.IDENTITY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.jpki.emulator.PcscdExtension;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.NodeAuthenticatedEvent;
import jp.securetoken.tls.NodeAuthenticationFailedEvent;
import jp.securetoken.tls.NodeIdentity;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.trust.TrustPolicy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * End to end: a {@code jpki:auth} token in pcscd's reader is the client key of a mutual-TLS handshake
 * built by tls-node-auth, against a plain Netty server that trusts the card's user-authentication CA.
 */
@ExtendWith(PcscdExtension.class)
class MutualTlsWithCardTest {
    private final TestPki serverPki = TestPki.create("Regional Gateway CA");
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private CardInReader card;

    @BeforeEach
    void insertCard() {
        card = CardInReader.insert();
    }

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        card.close();
    }

    @Test
    void cardAuthenticatesTheClientOverTls12() throws Exception {
        try (SecureToken token = SecureTokens.discover().open("jpki:auth")) {
            token.login(CardInReader.pin(AUTH_PIN));
            CardTlsExchange.Outcome o = CardTlsExchange.run(group, serverPki, IDENTITY.authCaCertificate(), token,
                    "auth");
            assertEquals(List.of("TLSv1.2"), o.offered(), "a PKCS#1-only card cannot sign for TLS 1.3");
            NodeIdentity gatewaySeen = assertInstanceOf(NodeAuthenticatedEvent.class, o.clientEvent()).identity();
            assertEquals("TLSv1.2", gatewaySeen.protocol());
            assertEquals(IDENTITY.authCertificate(), o.clientSeenByServer());
            assertEquals("hello", o.echoed());
            assertTrue(card.card.signCommands() >= 1, "the card signed the CertificateVerify");
        }
    }
}
