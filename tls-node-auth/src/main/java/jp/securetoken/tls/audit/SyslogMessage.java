package jp.securetoken.tls.audit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/**
 * An audit event as an RFC 5424 syslog message (MSGID {@code IHE+RFC-3881}, the DICOM audit
 * message as a UTF-8 MSG with a BOM) and its RFC 5425 octet-counted frame. Each message carries
 * a unique event id in the structured data element {@value #SD_ID}, so a repository that got a
 * message twice (it is resent after a broken connection) can tell the copies apart from two
 * events.
 */
final class SyslogMessage {
    /**
     * The structured-data id. 32473 is the private enterprise number RFC 5612 reserves for
     * documentation: the project has none of its own yet.
     */
    static final String SD_ID = "audit@32473";
    private static final int FACILITY_AUTHPRIV = 10;
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private SyslogMessage() {
    }

    /** The RFC 5424 message for {@code event}, sent by {@code localNodeId}, with its event id. */
    static byte[] render(AuditEvent event, String localNodeId, UUID eventId) {
        int severity = event.outcome() == AuditEvent.Outcome.SUCCESS ? 5 : 4;
        String header = "<" + (FACILITY_AUTHPRIV * 8 + severity) + ">1 "
                + DateTimeFormatter.ISO_INSTANT.format(event.time()) + " " + hostName(localNodeId)
                + " securetoken " + ProcessHandle.current().pid() + " IHE+RFC-3881 [" + SD_ID + " eventId=\""
                + eventId + "\"] ";
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(BOM);
        out.writeBytes(DicomAuditMessage.xml(event, localNodeId).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** The RFC 5425 frame: {@code MSG-LEN SP SYSLOG-MSG}. */
    static byte[] frame(byte[] message) {
        byte[] length = (message.length + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] frame = new byte[length.length + message.length];
        System.arraycopy(length, 0, frame, 0, length.length);
        System.arraycopy(message, 0, frame, length.length, message.length);
        return frame;
    }

    /** RFC 5424 HOSTNAME: printable US-ASCII without spaces, at most 255 characters. */
    private static String hostName(String nodeId) {
        StringBuilder h = new StringBuilder(Math.min(nodeId.length(), 255));
        for (int i = 0; i < nodeId.length() && h.length() < 255; i++) {
            char c = nodeId.charAt(i);
            h.append(c > 32 && c < 127 ? c : '_');
        }
        return h.length() == 0 ? "-" : h.toString();
    }
}
