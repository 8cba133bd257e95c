package jp.securetoken.jpki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import jp.securetoken.api.TokenNotPresentException;
import jp.securetoken.api.TokenUriException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JpkiLoadPathTest {
    @TempDir
    Path dir;

    @Test
    void theLibraryOfEachTokenComesFromItsKeyPreferringThe64BitOneOnA64BitJvm() throws Exception {
        Path file = Files.writeString(dir.resolve("default.dat"), "\uFEFFname=JPKI_Appli-01\r\n"
                + "path=/opt/jpki/libjuki.so\r\npathAuth=/opt/jpki/auth32.so\r\npathSign=/opt/jpki/sign32.so\r\n"
                + "pathAuth64=/opt/jpki/auth64.so\r\npathSign64=/opt/jpki/sign64.so\r\n\r\n");
        JpkiLoadPath loadPath = JpkiLoadPath.read(file);
        assertEquals("JPKI_Appli-01", loadPath.entries().get("name"));
        assertEquals(Path.of("/opt/jpki/auth64.so"), loadPath.library(JpkiTokenType.AUTH));
        assertEquals(Path.of("/opt/jpki/sign64.so"), loadPath.library(JpkiTokenType.SIGN));
    }

    @Test
    void withoutA64BitEntryThePlainKeyIsUsed() throws Exception {
        Path file = Files.writeString(dir.resolve("default.dat"), "pathAuth=/opt/jpki/auth.so\n");
        assertEquals(Path.of("/opt/jpki/auth.so"), JpkiLoadPath.read(file).library(JpkiTokenType.AUTH));
        assertThrows(TokenUriException.class, () -> JpkiLoadPath.read(file).library(JpkiTokenType.SIGN));
    }

    @Test
    void aMissingFileMeansTheClientSoftwareIsNotInstalled() {
        assertThrows(TokenNotPresentException.class, () -> JpkiLoadPath.read(dir.resolve("nothing.dat")));
    }

    @Test
    void aFileWithoutKeyValueLinesIsNotALoadPathFile() throws Exception {
        Path junk = Files.write(dir.resolve("default.dat"), new byte[] {0x30, (byte) 0x82, 0x01, 0x0a});
        assertThrows(TokenUriException.class, () -> JpkiLoadPath.read(junk));
    }
}
