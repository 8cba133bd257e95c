package jp.securetoken.tls.audit;

import java.time.format.DateTimeFormatter;

/**
 * Renders an {@link AuditEvent} as a DICOM PS3.15 A.5 audit message ({@code AuditMessage} XML with
 * {@code EventIdentification}, {@code ActiveParticipant}, {@code AuditSourceIdentification} and,
 * for a peer node, {@code ParticipantObjectIdentification} with ID type 110182 "Node ID").
 */
public final class DicomAuditMessage {

    private DicomAuditMessage() {
    }

    /**
     * The XML for {@code event} as recorded by {@code localNodeId} (the audit source and the
     * local active participant).
     */
    public static String xml(AuditEvent event, String localNodeId) {
        StringBuilder x = new StringBuilder(768);
        x.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        x.append("<AuditMessage>");
        x.append("<EventIdentification EventActionCode=\"E\" EventDateTime=\"")
                .append(DateTimeFormatter.ISO_INSTANT.format(event.time()))
                .append("\" EventOutcomeIndicator=\"").append(event.outcome().code()).append("\">");
        code(x, "EventID", event.kind().eventId(), event.kind().eventName());
        code(x, "EventTypeCode", event.kind().typeCode(), event.kind().typeName());
        if (!event.detail().isEmpty()) {
            x.append("<EventOutcomeDescription>").append(escape(event.detail())).append("</EventOutcomeDescription>");
        }
        x.append("</EventIdentification>");
        x.append("<ActiveParticipant UserID=\"").append(escape(localNodeId))
                .append("\" UserIsRequestor=\"false\"/>");
        if (event.peerNodeId().isPresent() || event.peerAddress().isPresent()) {
            x.append("<ActiveParticipant UserID=\"").append(escape(event.peerNodeId().orElse("unknown")))
                    .append("\" UserIsRequestor=\"true\"");
            event.peerAddress().ifPresent(a -> x.append(" NetworkAccessPointID=\"").append(escape(a))
                    .append("\" NetworkAccessPointTypeCode=\"2\""));
            x.append("/>");
        }
        x.append("<AuditSourceIdentification AuditSourceID=\"").append(escape(localNodeId)).append("\">");
        x.append("<AuditSourceTypeCode csd-code=\"4\" codeSystemName=\"DCM\" originalText=\"Application Server Process\"/>");
        x.append("</AuditSourceIdentification>");
        if (event.peerNodeId().isPresent()) {
            x.append("<ParticipantObjectIdentification ParticipantObjectID=\"")
                    .append(escape(event.peerNodeId().get()))
                    .append("\" ParticipantObjectTypeCode=\"2\">");
            code(x, "ParticipantObjectIDTypeCode", "110182", "Node ID");
            x.append("</ParticipantObjectIdentification>");
        }
        event.token().ifPresent(token -> {
            // RFC 3881 / DICOM: a system object (2) in the role of a security resource (13), identified by URI (12)
            x.append("<ParticipantObjectIdentification ParticipantObjectID=\"").append(escape(token))
                    .append("\" ParticipantObjectTypeCode=\"2\" ParticipantObjectTypeCodeRole=\"13\">");
            x.append("<ParticipantObjectIDTypeCode csd-code=\"12\" codeSystemName=\"RFC-3881\" originalText=\"URI\"/>");
            x.append("</ParticipantObjectIdentification>");
        });
        x.append("</AuditMessage>");
        return x.toString();
    }

    private static void code(StringBuilder x, String element, String code, String name) {
        x.append('<').append(element).append(" csd-code=\"").append(code)
                .append("\" codeSystemName=\"DCM\" originalText=\"").append(escape(name)).append("\"/>");
    }

    /** XML text and attribute escaping. */
    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> {
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                        out.append(' ');
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
