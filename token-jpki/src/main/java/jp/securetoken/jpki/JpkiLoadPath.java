package jp.securetoken.jpki;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jp.securetoken.api.TokenNotPresentException;
import jp.securetoken.api.TokenUriException;

/**
 * The JPKI client software's load-path file ({@code default.dat}), which names the PKCS#11 library
 * for each card and certificate type: {@code pathAuth}/{@code pathSign} (My Number Card user
 * authentication / signature), {@code path} (the old Juki card), with {@code 64} appended for the
 * 64-bit libraries. Lines are {@code key=value} without spaces.
 *
 * @param entries the file's keys and values, in file order
 */
public record JpkiLoadPath(Map<String, String> entries) {

    /** Where the JPKI client software installs the file on Windows and macOS. */
    public static final List<Path> DEFAULT_LOCATIONS = List.of(
            Path.of("C:\\Program Files\\Common Files\\e-gov_app\\load_path\\default.dat"),
            Path.of("C:\\Program Files (x86)\\Common Files\\e-gov_app\\load_path\\default.dat"),
            Path.of("/private/etc/e-gov_app/load_path/default.dat"));

    public JpkiLoadPath {
        entries = Map.copyOf(entries);
    }

    /** Reads a load-path file; lines without {@code =} and blank lines are ignored. */
    public static JpkiLoadPath read(Path file) throws TokenNotPresentException, TokenUriException {
        List<String> lines;
        try {
            lines = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new TokenNotPresentException("no JPKI load-path file at " + file + " (is the JPKI client software installed?)",
                    e);
        }
        Map<String, String> entries = new LinkedHashMap<>();
        for (String raw : lines) {
            String line = raw.strip().replace("\uFEFF", "");
            int eq = line.indexOf('=');
            if (eq > 0) {
                entries.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        if (entries.isEmpty()) {
            throw new TokenUriException(file + " holds no key=value lines; it is not a JPKI load-path file");
        }
        return new JpkiLoadPath(entries);
    }

    /** The first load-path file found in {@link #DEFAULT_LOCATIONS}. */
    public static Optional<Path> find() {
        return DEFAULT_LOCATIONS.stream().filter(Files::isRegularFile).findFirst();
    }

    /**
     * The library for one of the card's tokens: the 64-bit one ({@code pathAuth64}/{@code pathSign64})
     * on a 64-bit JVM when the file names it, else the plain key.
     */
    public Path library(JpkiTokenType type) throws TokenUriException {
        String key = type == JpkiTokenType.AUTH ? "pathAuth" : "pathSign";
        boolean jvm64 = "64".equals(System.getProperty("sun.arch.data.model"));
        String value = jvm64 && entries.containsKey(key + "64") ? entries.get(key + "64") : entries.get(key);
        if (value == null || value.isEmpty()) {
            throw new TokenUriException("the JPKI load-path file names no library for the " + type.displayName()
                    + " token (" + key + ")");
        }
        return Path.of(value);
    }
}
