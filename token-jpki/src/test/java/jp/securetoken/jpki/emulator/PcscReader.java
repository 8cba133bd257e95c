package jp.securetoken.jpki.emulator;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;

import javax.smartcardio.CardException;
import javax.smartcardio.CardTerminal;
import javax.smartcardio.TerminalFactory;

/** pcscd's vpcd reader as {@code javax.smartcardio} sees it. */
public final class PcscReader {

    /** Debian's pcsc-lite, which the JDK does not find on its own. */
    static final String PCSCLITE = "/usr/lib/x86_64-linux-gnu/libpcsclite.so.1";
    static final Duration PRESENCE_TIMEOUT = Duration.ofSeconds(15);

    private PcscReader() {
    }

    public static TerminalFactory factory() {
        if (System.getProperty("sun.security.smartcardio.library") == null) {
            System.setProperty("sun.security.smartcardio.library", PCSCLITE);
        }
        if (!Files.exists(Path.of(System.getProperty("sun.security.smartcardio.library")))) {
            throw new IllegalStateException("libpcsclite is missing (" + PCSCLITE + "): " + Pcscd.INSTALL_HINT);
        }
        try {
            return TerminalFactory.getInstance("PC/SC", null);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK's PC/SC provider cannot load " + PCSCLITE, e);
        }
    }

    /** The vpcd reader, waiting until pcscd lists it. */
    public static CardTerminal vpcd() {
        TerminalFactory f = factory();
        return await("reader " + Pcscd.READER + " listed by pcscd").atMost(PRESENCE_TIMEOUT)
                .pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> f.terminals().getTerminal(Pcscd.READER), t -> t != null);
    }

    public static void awaitCard(CardTerminal reader, boolean present) {
        await(present ? "card present" : "card absent").atMost(PRESENCE_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> isCardPresent(reader) == present);
    }

    private static boolean isCardPresent(CardTerminal reader) throws CardException {
        return reader.isCardPresent();
    }
}
