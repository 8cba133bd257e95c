package jp.securetoken.tls.audit;

import java.time.Instant;
import java.util.Optional;

/**
 * One event for the audit trail (IHE ATNA Record Audit Event), before it is rendered as a DICOM
 * audit message.
 *
 * @param kind        what happened
 * @param outcome     how it ended
 * @param time        when
 * @param peerNodeId  the other node's id (certificate common name), when known
 * @param peerAddress the other node's network address, when there is one
 * @param detail      a short description (a rejection reason); never a PIN or personal data
 * @param token       the secure token the event is about (its address without query attributes),
 *                    for token logins, PIN locks and credential writes
 */
public record AuditEvent(Kind kind, Outcome outcome, Instant time, Optional<String> peerNodeId,
        Optional<String> peerAddress, String detail, Optional<String> token) {

    /** An event about a peer node or the application, not about a token. */
    public AuditEvent(Kind kind, Outcome outcome, Instant time, Optional<String> peerNodeId,
            Optional<String> peerAddress, String detail) {
        this(kind, outcome, time, peerNodeId, peerAddress, detail, Optional.empty());
    }

    /** An event about a secure token (JAHIS access log): a login, a PIN state change, a credential write. */
    public static AuditEvent aboutToken(Kind kind, Outcome outcome, Instant time, String token, String detail) {
        return new AuditEvent(kind, outcome, time, Optional.empty(), Optional.empty(), detail, Optional.of(token));
    }

    /** The DICOM event a record stands for. */
    public enum Kind {
        /** 110113 Security Alert / 110126 Node Authentication. */
        NODE_AUTHENTICATION("110113", "Security Alert", "110126", "Node Authentication"),
        /** 110100 Application Activity / 110120 Application Start. */
        APPLICATION_START("110100", "Application Activity", "110120", "Application Start"),
        /** 110100 Application Activity / 110121 Application Stop. */
        APPLICATION_STOP("110100", "Application Activity", "110121", "Application Stop"),
        /** 110114 User Authentication / 110122 Login: a token login (PIN entry), successful or not. */
        LOGIN("110114", "User Authentication", "110122", "Login"),
        /** 110114 User Authentication / 110123 Logout: a token logout. */
        LOGOUT("110114", "User Authentication", "110123", "Logout"),
        /** 110113 Security Alert / 110137 User Security Attributes Changed: a PIN locked, changed or unlocked. */
        USER_SECURITY_ATTRIBUTES_CHANGED("110113", "Security Alert", "110137", "User Security Attributes Changed"),
        /**
         * 110113 Security Alert / 110129 Security Configuration: the token's credentials changed (key pair
         * generated, credential written or deleted), or the revocation data in force changed or could not be
         * refreshed (a CRL fetched, refused or unreachable).
         */
        SECURITY_CONFIGURATION("110113", "Security Alert", "110129", "Security Configuration");

        private final String eventId;
        private final String eventName;
        private final String typeCode;
        private final String typeName;

        Kind(String eventId, String eventName, String typeCode, String typeName) {
            this.eventId = eventId;
            this.eventName = eventName;
            this.typeCode = typeCode;
            this.typeName = typeName;
        }

        public String eventId() {
            return eventId;
        }

        public String eventName() {
            return eventName;
        }

        public String typeCode() {
            return typeCode;
        }

        public String typeName() {
            return typeName;
        }
    }

    /** DICOM EventOutcomeIndicator values. */
    public enum Outcome {
        SUCCESS(0), MINOR_FAILURE(4), SERIOUS_FAILURE(8), MAJOR_FAILURE(12);

        private final int code;

        Outcome(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    public AuditEvent {
        if (detail == null) {
            detail = "";
        }
        if (token == null) {
            token = Optional.empty();
        }
    }
}
