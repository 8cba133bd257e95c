package jp.securetoken.soft;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jp.securetoken.api.InvalidCertificateException;
import jp.securetoken.api.PinEntryCancelledException;
import jp.securetoken.api.PinFormatException;
import jp.securetoken.api.PinRequest;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenStorageException;

/**
 * Creates and opens software tokens: one file per token, encrypted at rest (format in the
 * module README).
 *
 * <pre>{@code
 * SoftTokens.create(Path.of("/var/lib/node/node.stk"), SoftTokenSettings.builder("node")
 *         .userPin(userPin).administratorPin(adminPin).build());
 * try (SecureToken token = SoftTokens.open(Path.of("/var/lib/node/node.stk"))) {
 *     token.login(userPin);
 * }
 * }</pre>
 */
public final class SoftTokens {
    private static final Logger LOG = LoggerFactory.getLogger(SoftTokens.class);

    private SoftTokens() {
    }

    /**
     * Writes a new, empty token file (no credentials yet) at {@code file}.
     *
     * @throws TokenStorageException when a file is already there or the directory cannot be written
     * @throws PinFormatException    when a PIN is not 4 to 64 characters
     */
    public static void create(Path file, SoftTokenSettings settings) throws TokenException {
        Path target = file.toAbsolutePath().normalize();
        if (Files.exists(target)) {
            throw new TokenStorageException("a file already exists at " + target + "; a token is never overwritten",
                    null);
        }
        char[] userPin = null;
        char[] adminPin = null;
        byte[] dataKey = Crypto.random(Crypto.KEY_LENGTH);
        try {
            userPin = pin(settings, PinRole.USER);
            adminPin = pin(settings, PinRole.ADMINISTRATOR);
            PinSlot user = PinSlot.create(userPin, dataKey, settings.maxRetries(), settings.kdfIterations(),
                    TokenFile.ROLE_USER);
            PinSlot admin = PinSlot.create(adminPin, dataKey, settings.maxRetries(), settings.kdfIterations(),
                    TokenFile.ROLE_ADMIN);
            String serial = HexFormat.of().formatHex(Crypto.random(8));
            PublicContents contents = new PublicContents(settings.label(), serial, settings.issuerAnchors(), new TreeMap<>(),
                    new TreeMap<>());
            byte[] publicBytes = contents.encode();
            byte[] nonce = Crypto.random(Crypto.NONCE_LENGTH);
            byte[] sealed = Crypto.seal(dataKey, nonce, TokenFile.privateAad(publicBytes),
                    PrivateContents.empty().encode());
            AtomicFiles.replace(target, new TokenFile(user, admin, publicBytes, nonce, sealed).encode());
            LOG.info("Created software token {} at {}", settings.label(), target);
        } finally {
            Crypto.wipe(userPin);
            Crypto.wipe(adminPin);
            Crypto.wipe(dataKey);
        }
    }

    private static char[] pin(SoftTokenSettings settings, PinRole role) throws TokenException {
        char[] pin = (role == PinRole.USER ? settings.userPin() : settings.administratorPin())
                .providePin(new PinRequest(role, "new PIN", settings.label(), settings.maxRetries(),
                        SoftToken.PIN_RULE));
        if (pin == null) {
            throw new PinEntryCancelledException(role);
        }
        if (pin.length < SoftToken.MIN_PIN || pin.length > SoftToken.MAX_PIN) {
            Crypto.wipe(pin);
            throw new PinFormatException(role, SoftToken.PIN_RULE);
        }
        return pin;
    }

    /**
     * Opens the token in {@code file} and locks it for this handle until closed.
     *
     * @throws jp.securetoken.api.TokenNotPresentException when there is no such file
     * @throws jp.securetoken.api.TokenCorruptException    when it is not a token file, or damaged
     * @throws jp.securetoken.api.TokenBusyException       when another process or handle has it open
     */
    public static SecureToken open(Path file) throws TokenException {
        return SoftToken.open(file);
    }

    /**
     * Migration from files: takes a private key and its chain made outside a token (a PKCS#12 file of
     * the kind regional networks hand out) into the logged-in software token {@code token} as
     * credential {@code alias}, in one atomic write. From then on the key lives only in the token
     * (sealed under its data key) and is used through it like a generated one; delete the file.
     *
     * @throws jp.securetoken.api.OperationNotSupportedException when {@code token} is not a software token
     * @throws jp.securetoken.api.CredentialMismatchException    when the alias is taken, the key is not RSA of
     *         2048 bits or more or EC on P-256/P-384, the key does not belong to the certificate, or the chain is
     *         not linked or does not lead to the token's issuer anchor
     * @throws jp.securetoken.api.LoginRequiredException         when the token is not logged in
     */
    public static jp.securetoken.api.Credential importCredential(SecureToken token, String alias,
            java.security.PrivateKey key, List<X509Certificate> chain, jp.securetoken.api.CredentialUsage usage)
            throws TokenException {
        if (!(token instanceof SoftToken soft)) {
            throw new jp.securetoken.api.OperationNotSupportedException("importing a key made outside",
                    "only software tokens take one; " + token.info().label() + " is not a software token");
        }
        return soft.importCredential(alias, key, chain, usage);
    }

    /**
     * Reads certificates from DER or PEM bytes (one or several, e.g. a chain in PEM), in order.
     *
     * @throws InvalidCertificateException when the bytes are truncated, malformed or hold no certificate
     */
    public static List<X509Certificate> readCertificates(byte[] derOrPem) throws InvalidCertificateException {
        try {
            Collection<? extends Certificate> read = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(derOrPem));
            if (read.isEmpty()) {
                throw new InvalidCertificateException("no certificate found in " + derOrPem.length + " bytes", null);
            }
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : read) {
                out.add((X509Certificate) c);
            }
            return out;
        } catch (CertificateException | RuntimeException e) {
            throw new InvalidCertificateException(e.getClass().getSimpleName() + " while parsing", e);
        }
    }

    /** The label of the token in {@code file}, read without a lock; the file name when it cannot be read. */
    static String peekLabel(Path file) {
        try {
            return PublicContents.decode(TokenFile.decode(AtomicFiles.read(file)).publicSection()).label();
        } catch (TokenException e) {
            return file.getFileName().toString();
        }
    }
}
