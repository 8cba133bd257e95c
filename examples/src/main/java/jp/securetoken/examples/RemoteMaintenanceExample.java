package jp.securetoken.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLSocket;
import javax.security.auth.x500.X500Principal;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenException;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.NodeTls;
import jp.securetoken.tls.NodeTlsContext;
import jp.securetoken.tls.audit.AuditEvent;
import jp.securetoken.tls.audit.AuditSink;
import jp.securetoken.tls.audit.DicomAuditMessage;
import jp.securetoken.tls.audit.NodeAuthenticationAuditor;
import jp.securetoken.tls.gateway.ForwardingGateway;
import jp.securetoken.tls.trust.PeerPattern;
import jp.securetoken.tls.trust.TrustPolicy;

/**
 * Use case 2 of the JAHIS guide, remote maintenance: a remote service centre (RSC) authenticates
 * to the hospital's gateway at organisation level (mutual TLS, the hospital admits only its
 * contracted RSC's organisation), then to the maintained device, which proves itself with the
 * device identification kept in its token's user data and a signature by its token key. Every
 * maintenance session is recorded — who, when, what — as DICOM audit messages in an audit log.
 *
 * <p>Run: {@code java -cp 'examples/target/examples-0.1.0-SNAPSHOT.jar:examples/target/lib/*'
 * jp.securetoken.examples.RemoteMaintenanceExample}
 */
public final class RemoteMaintenanceExample {
    private static final String CONTRACTED_RSC = "Example Medical Systems RSC";

    /**
     * One maintenance attempt.
     *
     * @param serviceCentre the RSC node that tried
     * @param device        the device serial it reached, or empty
     * @param completed     whether maintenance took place
     * @param outcome       what the RSC was told or read
     */
    public record Session(String serviceCentre, Optional<String> device, boolean completed, String outcome) {
    }

    private RemoteMaintenanceExample() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("remote-maintenance");
        List<Session> sessions = run(dir, System.out);
        System.out.println("Audit log: " + dir.resolve("maintenance-audit.log"));
        System.exit(sessions.stream().filter(Session::completed).count() == 1 ? 0 : 1);
    }

    /** Runs the scene on loopback in {@code dir}, telling {@code out} what happens. */
    public static List<Session> run(Path dir, PrintStream out) throws Exception {
        TestPki maintenanceCa = TestPki.create("Hospital Maintenance Network CA (example)");
        TestPki manufacturerCa = TestPki.create("Example Medical Systems Device CA (example)");
        ExampleNodes network = new ExampleNodes(dir, maintenanceCa);
        ExampleNodes factory = new ExampleNodes(dir, manufacturerCa);
        TrustPolicy networkTrust = TrustPolicy.builder().trustAnchors(maintenanceCa.caCertificate()).build();
        TrustPolicy deviceTrust = TrustPolicy.builder().trustAnchors(manufacturerCa.caCertificate()).build();

        SecureToken device = factory.node("SN-12345", i -> i);
        device.userData().write(DeviceIdentification.RECORD,
                "manufacturer=Example Medical Systems;model=CT-9000;serial=SN-12345".getBytes(StandardCharsets.UTF_8));
        SecureToken gatewayToken = network.node("hcf-gateway", i -> i.serverAuth());
        SecureToken rsc = network.node("rsc-01", i -> maintenanceCa.issue(new X500Principal(
                "CN=rsc-01, O=" + CONTRACTED_RSC + ", C=JP")).clientAuth());
        SecureToken stranger = network.node("rsc-x", i -> maintenanceCa.issue(new X500Principal(
                "CN=rsc-x, O=Other Vendor RSC, C=JP")).clientAuth());
        List<Session> sessions = new ArrayList<>();
        try (AuditLog audit = new AuditLog(dir.resolve("maintenance-audit.log"), "hcf-gateway");
                DeviceService service = new DeviceService(device);
                NodeTlsContext gatewayTls = NodeTls.server(CredentialSource.of(gatewayToken, ExampleNodes.ALIAS))
                        .trustPolicy(TrustPolicy.builder().trustAnchors(maintenanceCa.caCertificate())
                                .allowPeers(PeerPattern.organization(CONTRACTED_RSC)).build())
                        .listener(new NodeAuthenticationAuditor(audit, Clock.systemUTC())).build();
                ForwardingGateway gateway = ForwardingGateway.start(gatewayTls, new InetSocketAddress("127.0.0.1", 0),
                        service.address())) {
            out.printf("Hospital gateway on %s admits O=%s; device SN-12345 behind it%n", gateway.address(),
                    CONTRACTED_RSC);
            sessions.add(maintain("rsc-01", rsc, networkTrust, deviceTrust, gateway.address(), audit, out));
            sessions.add(maintain("rsc-x", stranger, networkTrust, deviceTrust, gateway.address(), audit, out));
            device.userData().write(DeviceIdentification.RECORD,
                    "manufacturer=Example Medical Systems;model=CT-9000;serial=SN-99999".getBytes(StandardCharsets.UTF_8));
            out.println("(the device's identification record is altered to name serial SN-99999)");
            sessions.add(maintain("rsc-01", rsc, networkTrust, deviceTrust, gateway.address(), audit, out));
        } finally {
            for (SecureToken t : List.of(device, gatewayToken, rsc, stranger)) {
                t.close();
            }
        }
        return sessions;
    }

    private static Session maintain(String name, SecureToken rsc, TrustPolicy networkTrust, TrustPolicy deviceTrust,
            InetSocketAddress gateway, AuditSink audit, PrintStream out) throws Exception {
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        try (SSLSocket socket = NodeTls.client(CredentialSource.of(rsc, ExampleNodes.ALIAS)).trustPolicy(networkTrust)
                .buildJsse().connect(gateway.getHostString(), gateway.getPort(), Duration.ofSeconds(20))) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            PrintWriter lines = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
            lines.println("CHALLENGE " + Base64.getEncoder().encodeToString(challenge));
            String proofLine = in.readLine();
            if (proofLine == null) {
                out.printf("%s -> hospital gateway: refused (connection closed after the handshake)%n", name);
                return new Session(name, Optional.empty(), false, "refused by the hospital gateway");
            }
            StringBuilder why = new StringBuilder();
            Optional<String> serial = DeviceIdentification.verify(DeviceIdentification.decode(proofLine), challenge,
                    deviceTrust, why);
            if (serial.isEmpty()) {
                lines.println("BYE");
                out.printf("%s -> device: refused, %s%n", name, why);
                audit.record(event(AuditEvent.Kind.APPLICATION_STOP, AuditEvent.Outcome.SERIOUS_FAILURE, name,
                        "maintenance refused: " + why));
                return new Session(name, Optional.empty(), false, why.toString());
            }
            audit.record(event(AuditEvent.Kind.APPLICATION_START, AuditEvent.Outcome.SUCCESS, name,
                    "maintenance session on device " + serial.get() + ": read error log"));
            lines.println("READ-LOG");
            String log = in.readLine();
            lines.println("BYE");
            audit.record(event(AuditEvent.Kind.APPLICATION_STOP, AuditEvent.Outcome.SUCCESS, name,
                    "maintenance session on device " + serial.get() + " ended"));
            out.printf("%s -> gateway (organisation) -> device %s (device identification verified): %s%n", name,
                    serial.get(), log);
            return new Session(name, serial, true, log);
        } catch (IOException e) {
            out.printf("%s -> hospital gateway: refused (%s)%n", name, e.getMessage());
            return new Session(name, Optional.empty(), false, "refused by the hospital gateway: " + e.getMessage());
        }
    }

    private static AuditEvent event(AuditEvent.Kind kind, AuditEvent.Outcome outcome, String who, String what) {
        return new AuditEvent(kind, outcome, Clock.systemUTC().instant(), Optional.of(who), Optional.empty(), what);
    }

    /** The maintained device's service on the hospital's internal network. */
    private static final class DeviceService implements AutoCloseable {
        private final ServerSocket listener;
        private final SecureToken token;

        DeviceService(SecureToken token) throws IOException {
            this.token = token;
            this.listener = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::serve, "device-SN-12345");
            t.setDaemon(true);
            t.start();
        }

        InetSocketAddress address() {
            return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
        }

        private void serve() {
            while (!listener.isClosed()) {
                try (Socket s = listener.accept()) {
                    s.setSoTimeout(20_000);
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                    PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
                    for (String line = in.readLine(); line != null && !line.equals("BYE"); line = in.readLine()) {
                        if (line.startsWith("CHALLENGE ")) {
                            byte[] challenge = Base64.getDecoder().decode(line.substring(10));
                            out.println(DeviceIdentification.encode(
                                    DeviceIdentification.prove(token, ExampleNodes.ALIAS, challenge)));
                        } else if (line.equals("READ-LOG")) {
                            out.println("error-count=0; last-calibration=2026-10-01; tube-hours=1204");
                        }
                    }
                } catch (IOException | TokenException | GeneralSecurityException | RuntimeException e) {
                    // a refused or broken session; the device waits for the next one
                }
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }

    /** An audit log file: one DICOM audit message per line. */
    private static final class AuditLog implements AuditSink {
        private final Path file;
        private final String localNode;

        AuditLog(Path file, String localNode) {
            this.file = file;
            this.localNode = localNode;
        }

        @Override
        public synchronized void record(AuditEvent event) {
            try {
                Files.writeString(file, DicomAuditMessage.xml(event, localNode) + "\n", StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new IllegalStateException("audit log not writable: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
        }
    }
}
