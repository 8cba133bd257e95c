package jp.securetoken.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import picocli.CommandLine.IVersionProvider;

/** The version {@code nodeauth --version} prints, from the build. */
final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("nodeauth.properties")) {
            if (in != null) {
                p.load(in);
            }
        }
        return new String[] {"nodeauth " + p.getProperty("version", "(unknown version)") + " (securetoken)",
            "Java " + System.getProperty("java.version")};
    }
}
