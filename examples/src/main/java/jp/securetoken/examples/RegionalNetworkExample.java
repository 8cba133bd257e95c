package jp.securetoken.examples;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.JsseNodeContext;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.gateway.ForwardingGateway;
import jp.securetoken.tls.trust.PeerPattern;
import jp.securetoken.tls.trust.TrustPolicy;

/**
 * Use case 1 of the JAHIS guide, a regional medical network: clinic terminals hold tokens issued
 * by the core hospital; the hospital's access point admits only listed clinics, authenticated by
 * mutual TLS with the key in the token, and forwards them to an internal HTTP service. A node that
 * is not on the list never reaches the service.
 *
 * <p>Run: {@code java -cp 'examples/target/examples-0.1.0-SNAPSHOT.jar:examples/target/lib/*'
 * jp.securetoken.examples.RegionalNetworkExample}
 */
public final class RegionalNetworkExample {

    /**
     * What happened to each node that tried.
     *
     * @param node     the node's name
     * @param admitted whether it reached the internal service
     * @param answer   the service's answer, or why the node was refused
     */
    public record Attempt(String node, boolean admitted, String answer) {
    }

    private RegionalNetworkExample() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("regional-network");
        List<Attempt> attempts = run(dir, System.out);
        System.exit(attempts.stream().filter(Attempt::admitted).count() == 1 ? 0 : 1);
    }

    /** Runs the whole scene on loopback in {@code dir}, telling {@code out} what happens. */
    public static List<Attempt> run(Path dir, PrintStream out) throws Exception {
        TestPki regionalCa = TestPki.create("Regional Network CA (example)");
        ExampleNodes nodes = new ExampleNodes(dir, regionalCa);
        TrustPolicy regionalTrust = TrustPolicy.builder().trustAnchors(regionalCa.caCertificate()).build();
        HttpServer records = internalRecordsService();
        SecureToken accessPointToken = nodes.node("core-hospital-ap", i -> i.serverAuth());
        List<Attempt> attempts = new ArrayList<>();
        try (NodeTlsContext accessPoint = NodeTls.server(CredentialSource.of(accessPointToken, ExampleNodes.ALIAS))
                .trustPolicy(TrustPolicy.builder().trustAnchors(regionalCa.caCertificate())
                        .allowPeers(PeerPattern.commonName("clinic-*")).build())
                .build();
                ForwardingGateway gateway = ForwardingGateway.start(accessPoint,
                        new InetSocketAddress("127.0.0.1", 0), records.getAddress())) {
            out.printf("Core hospital access point on %s (admits clinic-*), internal records service on %s%n",
                    gateway.address(), records.getAddress());
            for (String clinic : List.of("clinic-001", "lab-999")) {
                SecureToken token = nodes.node(clinic, i -> i.clientAuth());
                try {
                    attempts.add(visit(clinic, token, regionalTrust, gateway.address(), out));
                } finally {
                    token.close();
                }
            }
        } finally {
            records.stop(0);
            accessPointToken.close();
        }
        return attempts;
    }

    private static Attempt visit(String clinic, SecureToken token, TrustPolicy trust, InetSocketAddress gateway,
            PrintStream out) throws Exception {
        JsseNodeContext tls = NodeTls.client(CredentialSource.of(token, ExampleNodes.ALIAS)).trustPolicy(trust)
                .buildJsse();
        HttpClient http = HttpClient.newBuilder().sslContext(tls.sslContext()).sslParameters(tls.parameters())
                .connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + gateway.getPort() + "/records"))
                .timeout(Duration.ofSeconds(20)).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            out.printf("%s -> access point: authenticated with the key in its token; HTTP %d \"%s\"%n", clinic,
                    response.statusCode(), response.body());
            return new Attempt(clinic, response.statusCode() == 200, response.body());
        } catch (IOException e) {
            out.printf("%s -> access point: refused (%s)%n", clinic, e.getMessage());
            return new Attempt(clinic, false, String.valueOf(e.getMessage()));
        }
    }

    private static HttpServer internalRecordsService() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        server.createContext("/records", exchange -> {
            byte[] body = "3 referrals waiting".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }
}
