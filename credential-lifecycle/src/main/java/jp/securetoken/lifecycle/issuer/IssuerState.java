package jp.securetoken.lifecycle.issuer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import javax.security.auth.x500.X500Principal;

/**
 * The issuing server's records in one directory, shared by the running server and the operator's
 * commands ({@code issuer invite|list|revoke}): enrollment invitations (only a hash of each code is
 * kept), issued certificates, revocations, the current CRL and an append-only audit log. Every
 * change is a new file written and renamed into place, so a reader never sees half a record, and a
 * code is used up by an atomic rename, so two requests can never both redeem it.
 */
public final class IssuerState {
    private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** An operator's invitation: who may enroll with the code, with which DNS names, until when. */
    public record Invitation(X500Principal subject, List<String> dnsNames, Instant expires) {
        public Invitation {
            dnsNames = List.copyOf(dnsNames);
        }
    }

    /** One issued certificate as the operator lists it. */
    public record Issued(BigInteger serial, X500Principal subject, Instant notAfter, Instant issuedAt,
            String authorisedBy, Optional<Instant> revokedAt) {
    }

    private final Path dir;
    private final Clock clock;

    private IssuerState(Path dir, Clock clock) {
        this.dir = dir;
        this.clock = clock;
    }

    /** Opens (creating when needed) the state directory. */
    public static IssuerState open(Path dir) throws IOException {
        return open(dir, Clock.systemUTC());
    }

    /** As {@link #open(Path)}, with the clock invitations expire by (tests move it). */
    public static IssuerState open(Path dir, Clock clock) throws IOException {
        for (String sub : List.of("invites", "used", "issued", "revoked")) {
            Files.createDirectories(dir.resolve(sub));
        }
        return new IssuerState(dir, clock);
    }

    public Path directory() {
        return dir;
    }

    /** Where the server publishes the current CRL (DER). */
    public Path crlFile() {
        return dir.resolve("crl.der");
    }

    public Path auditLog() {
        return dir.resolve("audit.log");
    }

    /**
     * Makes a one-time enrollment code for {@code subject}, valid for {@code validFor}. The code is
     * returned once and stored only as its SHA-256.
     */
    public String invite(X500Principal subject, List<String> dnsNames, Duration validFor) throws IOException {
        char[] code = new char[20];
        for (int i = 0; i < code.length; i++) {
            code[i] = ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length()));
        }
        String text = new String(code);
        String grouped = String.join("-", text.substring(0, 5), text.substring(5, 10), text.substring(10, 15),
                text.substring(15));
        Properties p = new Properties();
        p.setProperty("subject", subject.getName());
        p.setProperty("dns", String.join(",", dnsNames));
        p.setProperty("expires", clock.instant().plus(validFor).toString());
        writeAtomically(dir.resolve("invites").resolve(hash(text)), store(p));
        audit("invited", "subject=\"" + subject.getName() + "\" expires=" + p.getProperty("expires"));
        return grouped;
    }

    /** The open invitation for {@code code}; empty when the code is unknown or used. */
    Optional<Invitation> invitation(String code) throws IOException {
        Path file = dir.resolve("invites").resolve(hash(normalise(code)));
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        Properties p = load(bytes);
        String dns = p.getProperty("dns", "");
        return Optional.of(new Invitation(new X500Principal(p.getProperty("subject")),
                dns.isEmpty() ? List.of() : List.of(dns.split(",")), Instant.parse(p.getProperty("expires"))));
    }

    /** Whether the invitation has expired by now. */
    boolean expired(Invitation invitation) {
        return !clock.instant().isBefore(invitation.expires());
    }

    /** Uses the code up; false when another request used it first (or it never existed). */
    boolean consume(String code) throws IOException {
        String name = hash(normalise(code));
        try {
            Files.move(dir.resolve("invites").resolve(name), dir.resolve("used").resolve(name),
                    StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (NoSuchFileException | FileAlreadyExistsException e) {
            return false;
        }
    }

    /** Records an issued certificate and audits it. */
    void recordIssued(X509Certificate certificate, String authorisedBy, String peer) throws IOException {
        Properties p = new Properties();
        p.setProperty("authorisedBy", authorisedBy);
        p.setProperty("issuedAt", clock.instant().toString());
        try {
            p.setProperty("certificate", Base64.getEncoder().encodeToString(certificate.getEncoded()));
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IOException("encoding the issued certificate failed", e);
        }
        writeAtomically(dir.resolve("issued").resolve(certificate.getSerialNumber().toString(16)), store(p));
        audit("issued", "serial=" + certificate.getSerialNumber().toString(16) + " subject=\""
                + certificate.getSubjectX500Principal().getName() + "\" notAfter="
                + certificate.getNotAfter().toInstant() + " by=" + authorisedBy + " peer=" + peer);
    }

    /** Every certificate issued, oldest first, with its revocation if any. */
    public List<Issued> issued() throws IOException {
        Map<BigInteger, Instant> revoked = revocations();
        List<Issued> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir.resolve("issued"))) {
            for (Path f : files.toList()) {
                Properties p = load(Files.readAllBytes(f));
                X509Certificate c = certificate(p);
                out.add(new Issued(c.getSerialNumber(), c.getSubjectX500Principal(), c.getNotAfter().toInstant(),
                        Instant.parse(p.getProperty("issuedAt")), p.getProperty("authorisedBy"),
                        Optional.ofNullable(revoked.get(c.getSerialNumber()))));
            }
        }
        out.sort(Comparator.comparing(Issued::issuedAt).thenComparing(Issued::serial));
        return out;
    }

    /** Whether this server issued a certificate with that serial. */
    boolean wasIssued(BigInteger serial) {
        return Files.exists(dir.resolve("issued").resolve(serial.toString(16)));
    }

    /**
     * Revokes an issued certificate; the running server publishes a new CRL. Returns false when no
     * certificate with that serial was issued here.
     */
    public boolean revoke(BigInteger serial, String reason) throws IOException {
        if (!wasIssued(serial)) {
            return false;
        }
        Path file = dir.resolve("revoked").resolve(serial.toString(16));
        if (Files.exists(file)) {
            return true;
        }
        Properties p = new Properties();
        p.setProperty("revokedAt", clock.instant().toString());
        p.setProperty("reason", reason);
        writeAtomically(file, store(p));
        audit("revoked", "serial=" + serial.toString(16) + " reason=\"" + reason + "\"");
        return true;
    }

    /** Revoked serials and when. */
    public Map<BigInteger, Instant> revocations() throws IOException {
        Map<BigInteger, Instant> out = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(dir.resolve("revoked"))) {
            for (Path f : files.sorted().toList()) {
                out.put(new BigInteger(f.getFileName().toString(), 16),
                        Instant.parse(load(Files.readAllBytes(f)).getProperty("revokedAt")));
            }
        }
        return out;
    }

    void writeCrl(byte[] der) throws IOException {
        writeAtomically(crlFile(), der);
    }

    /** Appends one line to the audit log: time, event, details (never a code). */
    void audit(String event, String details) throws IOException {
        String line = clock.instant() + " " + event + " " + details.replace('\n', ' ') + "\n";
        synchronized (IssuerState.class) {
            Files.writeString(auditLog(), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        }
    }

    private static X509Certificate certificate(Properties p) throws IOException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                    new ByteArrayInputStream(Base64.getDecoder().decode(p.getProperty("certificate"))));
        } catch (CertificateException | IllegalArgumentException e) {
            throw new IOException("a record of the issuing server's state is damaged", e);
        }
    }

    static String normalise(String code) {
        return code.replace("-", "").replace(" ", "").toUpperCase(Locale.ROOT);
    }

    private static String hash(String normalisedCode) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(normalisedCode.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static byte[] store(Properties p) throws IOException {
        StringWriter w = new StringWriter();
        p.store(w, null);
        return w.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Properties load(byte[] bytes) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(new String(bytes, StandardCharsets.UTF_8)));
        return p;
    }

    /** Writes to a temporary file in the same directory, forces it to disk and renames it over {@code file}. */
    private static void writeAtomically(Path file, byte[] content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + Long.toHexString(RANDOM.nextLong()));
        try {
            try (var channel = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                channel.write(java.nio.ByteBuffer.wrap(content));
                channel.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
