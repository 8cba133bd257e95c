package jp.securetoken.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.tls.audit.AuditEvent;
import jp.securetoken.tls.audit.DicomAuditMessage;
import jp.securetoken.tls.audit.NodeAuthenticationAuditor;
import jp.securetoken.tls.audit.SyslogTlsAuditSink;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** Audit trail: DICOM audit messages, and their delivery as RFC 5425 syslog over node-authenticated TLS. */
class AuditTest extends LoopbackNodesTest {

    private static Document parse(String xml) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    private static String attribute(Document d, String element, String name) {
        return ((Element) d.getElementsByTagName(element).item(0)).getAttribute(name);
    }

    @Test
    void aNodeAuthenticationFailureIsADicomSecurityAlert() throws Exception {
        AuditEvent event = new AuditEvent(AuditEvent.Kind.NODE_AUTHENTICATION, AuditEvent.Outcome.MINOR_FAILURE,
                Instant.parse("2026-11-22T01:02:03Z"), Optional.of("clinic <&\" 9"), Optional.of("192.0.2.7"),
                "UNKNOWN_CA: the peer's chain does not lead to a trusted CA");
        Document d = parse(DicomAuditMessage.xml(event, "gateway-01"));

        assertEquals("AuditMessage", d.getDocumentElement().getTagName());
        assertEquals("4", attribute(d, "EventIdentification", "EventOutcomeIndicator"));
        assertEquals("2026-11-22T01:02:03Z", attribute(d, "EventIdentification", "EventDateTime"));
        assertEquals("110113", attribute(d, "EventID", "csd-code"));
        assertEquals("110126", attribute(d, "EventTypeCode", "csd-code"));
        assertEquals("110182", attribute(d, "ParticipantObjectIDTypeCode", "csd-code"));
        assertEquals("clinic <&\" 9", attribute(d, "ParticipantObjectIdentification", "ParticipantObjectID"));
        assertEquals("gateway-01", attribute(d, "AuditSourceIdentification", "AuditSourceID"));
        assertTrue(d.getElementsByTagName("EventOutcomeDescription").item(0).getTextContent().contains("UNKNOWN_CA"));
    }

    @Test
    void handshakeOutcomesReachTheRepositoryAsSyslogOverMutualTls() throws Exception {
        SecureToken repositoryToken = nodes.node("audit-repository", KeyAlgorithm.EC_P256, pki,
                i -> i.clientAuth().serverAuth());
        SecureToken gatewayToken = nodes.node("gateway", KeyAlgorithm.EC_P256, pki,
                i -> i.clientAuth().serverAuth());
        JsseNodeContext repositoryTls = NodeTls.server(CredentialSource.of(repositoryToken, TestNodes.ALIAS)).trustPolicy(trust)
                .buildJsse();
        try (SyslogReceiver repository = new SyslogReceiver(repositoryTls, 0);
                SyslogTlsAuditSink sink = SyslogTlsAuditSink.to(NodeTls.client(CredentialSource.of(gatewayToken,
                        TestNodes.ALIAS)).trustPolicy(trust).buildJsse(), "127.0.0.1", repository.port())
                        .localNodeId("gateway").spool(dir.resolve("spool"), 100).start()) {
            NodeTlsContext gateway = nodes.track(NodeTls.server(CredentialSource.of(gatewayToken, TestNodes.ALIAS))
                    .trustPolicy(trust).listener(new NodeAuthenticationAuditor(sink, Clock.systemUTC())).build());
            SecureToken stranger = nodes.node("stranger", KeyAlgorithm.EC_P256, TestPki.create("Unknown CA"),
                    i -> i.clientAuth());
            SecureToken clinic = nodes.node("clinic-001", KeyAlgorithm.EC_P256, pki, i -> i.clientAuth());

            Peers.Server server = peers.echoServer(gateway);
            peers.connect(nodes.track(NodeTls.client(CredentialSource.of(stranger, TestNodes.ALIAS)).trustPolicy(trust)
                    .build()), server.port());
            String alert = repository.next();
            assertTrue(alert.startsWith("<84>1 "), alert);
            assertTrue(alert.contains(" gateway securetoken ") && alert.contains(" IHE+RFC-3881 [audit@32473 eventId=\"")
                    && alert.contains("\"] \uFEFF<?xml"), alert);
            Document failure = parse(alert.substring(alert.indexOf("<?xml")));
            assertEquals("4", attribute(failure, "EventIdentification", "EventOutcomeIndicator"));
            assertEquals("110126", attribute(failure, "EventTypeCode", "csd-code"));
            assertTrue(failure.getElementsByTagName("EventOutcomeDescription").item(0).getTextContent()
                    .startsWith("UNKNOWN_CA"));
            assertEquals("127.0.0.1", ((Element) failure.getElementsByTagName("ActiveParticipant").item(1))
                    .getAttribute("NetworkAccessPointID"));

            peers.connect(nodes.track(NodeTls.client(CredentialSource.of(clinic, TestNodes.ALIAS)).trustPolicy(trust)
                    .build()), server.port()).awaitAuthenticated();
            Document success = parse(repository.next().replaceFirst("(?s)^.*?<\\?xml", "<?xml"));
            assertEquals("0", attribute(success, "EventIdentification", "EventOutcomeIndicator"));
            assertEquals("clinic-001", attribute(success, "ParticipantObjectIdentification", "ParticipantObjectID"));
            // the sender counts a message after writing it, which can be after the repository read it
            await().atMost(Duration.ofSeconds(10)).until(() -> sink.delivered() == 2);
        }
    }

    @Test
    void eventsWaitForAnUnreachableRepositoryAndArriveWhenItComes() throws Exception {
        SecureToken repositoryToken = nodes.node("audit-repository", KeyAlgorithm.EC_P256, pki,
                i -> i.clientAuth().serverAuth());
        SecureToken gatewayToken = nodes.node("gateway", KeyAlgorithm.EC_P256, pki,
                i -> i.clientAuth().serverAuth());
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        try (SyslogTlsAuditSink sink = SyslogTlsAuditSink.to(NodeTls.client(CredentialSource.of(gatewayToken,
                TestNodes.ALIAS)).trustPolicy(trust).buildJsse(), "127.0.0.1", port).localNodeId("gateway")
                .spool(dir.resolve("spool"), 100).start()) {
            sink.record(new AuditEvent(AuditEvent.Kind.APPLICATION_START, AuditEvent.Outcome.SUCCESS, Instant.now(),
                    Optional.empty(), Optional.empty(), "gateway started"));
            try (SyslogReceiver repository = new SyslogReceiver(NodeTls.server(
                    CredentialSource.of(repositoryToken, TestNodes.ALIAS)).trustPolicy(trust).buildJsse(), port)) {
                String message = repository.next();
                assertTrue(message.contains("csd-code=\"110120\""), message);
                await().atMost(Duration.ofSeconds(10)).until(() -> sink.delivered() == 1);
                assertEquals(0, sink.dropped());
            }
        }
    }
}
