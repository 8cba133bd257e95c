package jp.securetoken.jpki.emulator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.HexFormat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The vpcd wire protocol against a stand-in for pcscd's vpcd driver (a local server socket). */
class VpcdCardConnectionTest {

    private static final JpkiCardIdentity IDENTITY = JpkiCardIdentity.generate();

    private ServerSocket reader;
    private VpcdCardConnection connection;

    @BeforeEach
    void openReader() throws IOException {
        reader = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        reader.setSoTimeout(10_000);
        connection = VpcdCardConnection.builder(JpkiCardEmulator.of(IDENTITY)).host("127.0.0.1")
                .port(reader.getLocalPort()).retryInterval(Duration.ofMillis(50)).connectAttempts(20).build();
    }

    @AfterEach
    void closeAll() throws IOException {
        connection.close();
        reader.close();
    }

    private static void send(Socket s, byte[] payload) throws IOException {
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.writeShort(payload.length);
        out.write(payload);
        out.flush();
    }

    private static byte[] receive(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        int length = in.readUnsignedShort();
        return in.readNBytes(length);
    }

    @Test
    void answersGetAtrWithTheJpkiAtr() throws IOException {
        connection.insert();
        try (Socket card = reader.accept()) {
            send(card, new byte[] {0x04});
            assertEquals("3be000ff8131fe4514", HexFormat.of().formatHex(receive(card)));
        }
    }

    @Test
    void powerOnThenApduGetsTheCardsAnswer() throws IOException {
        connection.insert();
        try (Socket card = reader.accept()) {
            send(card, new byte[] {0x01});
            send(card, Apdus.selectAp());
            assertArrayEquals(new byte[] {(byte) 0x90, 0x00}, receive(card));
            send(card, Apdus.selectEf(Apdus.AUTH_PIN));
            receive(card);
            send(card, Apdus.pinStatus());
            assertEquals(0x63C3, Apdus.sw(receive(card)));
        }
    }

    @Test
    void resetControlClearsVerifiedPins() throws Exception {
        connection.insert();
        try (Socket card = reader.accept()) {
            send(card, new byte[] {0x01});
            for (byte[] apdu : new byte[][] {Apdus.selectAp(), Apdus.selectEf(Apdus.SIGN_PIN),
                Apdus.verify(IDENTITY.pin(JpkiPinRole.SIGNATURE))}) {
                send(card, apdu);
                assertEquals(0x9000, Apdus.sw(receive(card)));
            }
            send(card, new byte[] {0x02});
            send(card, Apdus.selectAp());
            receive(card);
            send(card, Apdus.selectEf(Apdus.SIGN_CERT));
            receive(card);
            send(card, Apdus.readBinary(0, 4));
            assertEquals(0x6982, Apdus.sw(receive(card)));
        }
    }

    @Test
    void apduToAnUnpoweredCardGetsNoPreciseDiagnosis() throws IOException {
        connection.insert();
        try (Socket card = reader.accept()) {
            send(card, new byte[] {0x00});
            send(card, Apdus.selectAp());
            assertEquals(0x6F00, Apdus.sw(receive(card)));
        }
    }

    @Test
    void removeClosesTheSocketAndPowersTheCardOff() throws IOException {
        connection.insert();
        try (Socket card = reader.accept()) {
            send(card, new byte[] {0x01});
            await().atMost(Duration.ofSeconds(5)).until(connection::isConnected);
            assertTrue(connection.card().isPowered());
            connection.remove();
            assertEquals(-1, card.getInputStream().read());
            assertFalse(connection.isConnected());
            assertFalse(connection.card().isPowered());
        }
    }

    @Test
    void reinsertedCardConnectsAgain() throws IOException {
        connection.insert();
        try (Socket first = reader.accept()) {
            connection.remove();
            assertEquals(-1, first.getInputStream().read());
        }
        connection.insert();
        try (Socket second = reader.accept()) {
            send(second, new byte[] {0x04});
            assertEquals(9, receive(second).length);
        }
    }

    @Test
    void reconnectsWhenTheReaderDropsTheConnection() throws IOException {
        connection.insert();
        reader.accept().close();
        try (Socket again = reader.accept()) {
            send(again, new byte[] {0x04});
            assertEquals(9, receive(again).length);
        }
    }

    @Test
    void givesUpAfterTheBoundedNumberOfAttempts() throws IOException {
        int port = reader.getLocalPort();
        reader.close();
        VpcdCardConnection lonely = VpcdCardConnection.builder(JpkiCardEmulator.of(IDENTITY)).host("127.0.0.1")
                .port(port).retryInterval(Duration.ofMillis(10)).connectAttempts(3).build();
        lonely.insert();
        // once the attempts are spent, the thread ends and a new insert starts over
        await().atMost(Duration.ofSeconds(5)).until(() -> threadEnded("vpcd-card-" + port));
        assertFalse(lonely.isConnected());
        lonely.close();
    }

    private static boolean threadEnded(String name) {
        return Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals(name));
    }
}
