package jp.securetoken.pkcs11;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AuthProvider;
import java.security.Provider;
import java.security.ProviderException;
import java.security.Security;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jp.securetoken.api.OperationNotSupportedException;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenConfig;
import jp.securetoken.api.TokenDescriptor;
import jp.securetoken.api.TokenDeviceException;
import jp.securetoken.api.TokenEventListener;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenInfo;
import jp.securetoken.api.TokenNotPresentException;
import jp.securetoken.api.TokenProvider;
import jp.securetoken.api.TokenUriException;
import jp.securetoken.api.TokenWatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code pkcs11:} token provider, registered with {@link java.util.ServiceLoader}. It opens
 * RFC 7512 addresses ({@link Pkcs11Uri}) or a {@link Pkcs11Config} through a new SunPKCS11
 * provider instance per token, lists the tokens in the slots of a default library and reports
 * tokens arriving and leaving: through C_WaitForSlotEvent where the library offers it, else by
 * polling the slot list.
 *
 * <p>The library comes from the address's {@code module-path}; listing and watching use the
 * default library named by the system property {@value #MODULE_PROPERTY}, else the environment
 * variable {@value #MODULE_ENV}, or the one given to {@link #Pkcs11TokenProvider(Path, Duration)}.
 *
 * <p>Finding a token by label, listing, watching, PIN state, PSS and user data need the JDK's
 * PKCS#11 wrapper: run with
 * {@code --add-exports jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED}. Without it,
 * tokens are opened by {@code slot-id} and offer PKCS#1 v1.5 and ECDSA signing, login, key
 * generation and certificate import; the rest fails with {@link OperationNotSupportedException}.
 */
public final class Pkcs11TokenProvider implements TokenProvider {
    /** The URI scheme: {@code pkcs11}. */
    public static final String SCHEME = "pkcs11";
    /** System property naming the default PKCS#11 library for listing and watching. */
    public static final String MODULE_PROPERTY = "securetoken.pkcs11.module";
    /** Environment variable naming that library when the property is not set. */
    public static final String MODULE_ENV = "SECURETOKEN_PKCS11_MODULE";
    private static final Logger LOG = LoggerFactory.getLogger(Pkcs11TokenProvider.class);
    private static final Duration DEFAULT_POLL = Duration.ofSeconds(1);

    private final Path defaultModule;
    private final Duration pollInterval;

    /** The provider {@link java.util.ServiceLoader} makes: default library from the property or environment. */
    public Pkcs11TokenProvider() {
        this(configuredModule().orElse(null), DEFAULT_POLL);
    }

    /**
     * A provider whose listing and watching use {@code defaultModule}, polling the slot list every
     * {@code pollInterval}.
     */
    public Pkcs11TokenProvider(Path defaultModule, Duration pollInterval) {
        this.defaultModule = defaultModule;
        this.pollInterval = pollInterval;
    }

    private static Optional<Path> configuredModule() {
        String m = System.getProperty(MODULE_PROPERTY);
        if (m == null || m.isBlank()) {
            m = System.getenv(MODULE_ENV);
        }
        return m == null || m.isBlank() ? Optional.empty() : Optional.of(Path.of(m));
    }

    @Override
    public String scheme() {
        return SCHEME;
    }

    @Override
    public SecureToken open(TokenConfig config) throws TokenException {
        URI uri = config.uri();
        if (uri == null) {
            throw new TokenUriException("no address given");
        }
        Pkcs11Uri address = Pkcs11Uri.parse(uri.toString());
        Path module = module(address);
        Cryptoki cryptoki = CryptokiAccess.available() ? Cryptoki.load(module) : null;
        long slot;
        TokenInfo info;
        if (cryptoki != null) {
            slot = findSlot(cryptoki, address);
            Cryptoki.TokenState state = cryptoki.tokenState(slot);
            info = new TokenInfo(tokenUri(state, module), state.label(), state.manufacturer(), state.model(),
                    state.serial());
        } else {
            slot = address.slotId().orElseThrow(() -> new TokenUriException("without the JDK's PKCS#11 wrapper a"
                    + " token is found only by slot-id (or run with " + CryptokiAccess.FLAG + ")"));
            String label = address.token().orElse("slot " + Long.toUnsignedString(slot));
            info = new TokenInfo(uri, label, "", "", "");
        }
        Pkcs11Token token = new Pkcs11Token(info, slot, () -> sunPkcs11(module, slot, info.label()), cryptoki);
        LOG.info("Opened PKCS#11 token {} in slot {} of {}", info.label(), Long.toUnsignedString(slot), module);
        return token;
    }

    /** Directories holding PKCS#11 libraries on Debian-like and other Linux systems. */
    private static final List<String> LIBRARY_DIRS = List.of("/usr/lib/x86_64-linux-gnu/pkcs11",
            "/usr/lib/aarch64-linux-gnu/pkcs11", "/usr/lib/pkcs11", "/usr/lib64/pkcs11", "/usr/lib/x86_64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib");
    /** Where p11-kit describes installed modules ({@code <name>.module} with a {@code module:} line). */
    private static final List<String> P11_KIT_DIRS = List.of("/etc/pkcs11/modules", "/usr/share/p11-kit/modules");

    private Path module(Pkcs11Uri address) throws TokenUriException {
        Optional<Path> module = address.modulePath();
        if (module.isEmpty() && address.queryAttribute("module-name").isPresent()) {
            module = Optional.of(moduleByName(address.queryAttribute("module-name").get()));
        }
        if (module.isEmpty()) {
            module = Optional.ofNullable(defaultModule);
        }
        Path m = module.orElseThrow(() -> new TokenUriException("the address names no PKCS#11 library; add"
                + " ?module-path=/path/to/library.so or ?module-name=name"));
        if (!Files.isRegularFile(m)) {
            throw new TokenUriException("the PKCS#11 library " + m + " does not exist; check module-path");
        }
        return canonical(m);
    }

    /**
     * The library's real path: the JDK keeps one initialised library per path string, so a link and
     * its target must not become two.
     */
    static Path canonical(Path module) throws TokenUriException {
        try {
            return module.toRealPath();
        } catch (java.io.IOException e) {
            throw new TokenUriException("the PKCS#11 library " + module + " cannot be resolved: " + e.getMessage());
        }
    }

    /** A module-name resolved through p11-kit's module files, else as a library file name. */
    private static Path moduleByName(String name) throws TokenUriException {
        if (!name.matches("[A-Za-z0-9._+-]+")) {
            throw new TokenUriException("module-name '" + name + "' is not a plain module name");
        }
        for (String dir : P11_KIT_DIRS) {
            Path description = Path.of(dir, name + ".module");
            if (Files.isRegularFile(description)) {
                try {
                    for (String line : Files.readAllLines(description)) {
                        String t = line.strip();
                        if (t.startsWith("module:")) {
                            Path lib = Path.of(t.substring("module:".length()).strip());
                            return lib.isAbsolute() ? lib : Path.of(LIBRARY_DIRS.get(0)).resolve(lib);
                        }
                    }
                } catch (java.io.IOException e) {
                    throw new TokenUriException("p11-kit's description " + description + " cannot be read");
                }
            }
        }
        for (String dir : LIBRARY_DIRS) {
            for (String file : List.of(name + ".so", "lib" + name + ".so", name)) {
                Path p = Path.of(dir, file);
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        throw new TokenUriException("no PKCS#11 module named '" + name + "' (p11-kit module files or library"
                + " directories); give module-path");
    }

    private static long findSlot(Cryptoki cryptoki, Pkcs11Uri address) throws TokenException {
        List<Long> found = new ArrayList<>();
        for (long slot : cryptoki.slotsWithToken()) {
            if (address.slotId().isPresent() && address.slotId().getAsLong() != slot) {
                continue;
            }
            Cryptoki.TokenState s = cryptoki.tokenState(slot);
            if (matches(address.token(), s.label()) && matches(address.pathAttribute("serial"), s.serial())
                    && matches(address.pathAttribute("manufacturer"), s.manufacturer())
                    && matches(address.pathAttribute("model"), s.model())
                    && (s.has(Ck.CKF_TOKEN_INITIALIZED))) {
                found.add(slot);
            }
        }
        if (found.isEmpty()) {
            throw new TokenNotPresentException("no initialised token matches " + describe(address) + " in "
                    + cryptoki.module());
        }
        if (found.size() > 1) {
            throw new TokenUriException(describe(address) + " matches " + found.size() + " tokens; add token=, serial="
                    + " or slot-id= to choose one");
        }
        return found.get(0);
    }

    private static boolean matches(Optional<String> wanted, String actual) {
        return wanted.isEmpty() || wanted.get().equals(actual);
    }

    private static String describe(Pkcs11Uri address) {
        StringBuilder sb = new StringBuilder();
        address.token().ifPresent(t -> sb.append("token '").append(t).append("' "));
        address.slotId().ifPresent(s -> sb.append("slot-id ").append(Long.toUnsignedString(s)).append(' '));
        address.pathAttribute("serial").ifPresent(s -> sb.append("serial ").append(s).append(' '));
        return sb.length() == 0 ? "the address" : sb.toString().trim();
    }

    static URI tokenUri(Cryptoki.TokenState state, Path module) {
        return URI.create("pkcs11:token=" + Pkcs11Uri.encode(state.label(), false) + ";serial="
                + Pkcs11Uri.encode(state.serial(), false) + "?module-path="
                + Pkcs11Uri.encode(module.toString(), true));
    }

    /** A new SunPKCS11 instance for one slot, not added to {@link Security}; generated private keys are sensitive. */
    private static AuthProvider sunPkcs11(Path module, long slot, String label) throws TokenException {
        String config = "--name=securetoken-" + Long.toUnsignedString(slot) + "\n"
                + "library=" + module + "\n"
                + "slot=" + Long.toUnsignedString(slot) + "\n"
                + "attributes(generate, CKO_PRIVATE_KEY, *) = {\n"
                + "  CKA_SENSITIVE = true\n"
                + "  CKA_EXTRACTABLE = false\n"
                + "}\n";
        Provider base = Security.getProvider("SunPKCS11");
        if (base == null) {
            throw new TokenDeviceException("this JDK has no SunPKCS11 provider (module jdk.crypto.cryptoki)",
                    "NO_SUNPKCS11", null);
        }
        try {
            return (AuthProvider) base.configure(config);
        } catch (ProviderException | IllegalArgumentException e) {
            if (Pkcs11Errors.ckr(e).isEmpty()) {
                throw new TokenDeviceException("SunPKCS11 could not use " + module + " (is it a PKCS#11 library?)",
                        "LOAD_FAILED", e);
            }
            throw Pkcs11Errors.map(e, label, "Loading the PKCS#11 library " + module);
        }
    }

    /**
     * The tokens in the default library's slots.
     *
     * @throws OperationNotSupportedException without the JDK's PKCS#11 wrapper
     */
    @Override
    public List<TokenDescriptor> presentTokens() throws TokenException {
        if (defaultModule == null) {
            return List.of();
        }
        Cryptoki c = wrapper("Listing PKCS#11 tokens");
        return SlotPoll.snapshot(c);
    }

    /**
     * Reports tokens arriving in and leaving the default library's slots: C_WaitForSlotEvent
     * (without blocking, once a poll interval) says when to read C_GetSlotList and C_GetTokenInfo;
     * a library without it has them read every interval.
     *
     * @throws OperationNotSupportedException without a default library or without the JDK's PKCS#11 wrapper
     */
    @Override
    public TokenWatch watch(TokenEventListener listener) throws TokenException {
        if (defaultModule == null) {
            throw new OperationNotSupportedException("Watching PKCS#11 tokens", "no default library; set "
                    + MODULE_PROPERTY + " or " + MODULE_ENV);
        }
        Cryptoki cryptoki = wrapper("Watching PKCS#11 tokens");
        return new SlotPoll(() -> SlotPoll.snapshot(cryptoki), slotEvents(cryptoki.module()), listener, pollInterval);
    }

    /**
     * C_WaitForSlotEvent (CKF_DONT_BLOCK) as the trigger of a watch round where the library offers
     * it; every pending event is taken before the slot list is read. Otherwise every round reads it.
     */
    static SlotPoll.Trigger slotEvents(Path module) throws TokenException {
        IaikCryptoki calls = IaikCryptoki.load(module);
        try {
            while (calls.pendingSlotEvent().isPresent()) {
                // events from before the watch began: the first snapshot covers them
            }
        } catch (IaikCryptoki.SlotEventsUnsupported e) {
            LOG.info("{}; polling its slot list instead", e.getMessage());
            return SlotPoll.Trigger.EVERY_ROUND;
        }
        LOG.info("Watching {} with C_WaitForSlotEvent", module);
        return () -> {
            boolean changed = false;
            try {
                while (calls.pendingSlotEvent().isPresent()) {
                    changed = true;
                }
            } catch (IaikCryptoki.SlotEventsUnsupported e) {
                return true;
            }
            return changed;
        };
    }

    private Cryptoki wrapper(String operation) throws TokenException {
        if (!CryptokiAccess.available()) {
            throw new OperationNotSupportedException(operation, "it needs the JDK's PKCS#11 wrapper; start the JVM"
                    + " with " + CryptokiAccess.FLAG);
        }
        if (!Files.isRegularFile(defaultModule)) {
            throw new TokenUriException("the PKCS#11 library " + defaultModule + " does not exist");
        }
        return Cryptoki.load(canonical(defaultModule));
    }
}
