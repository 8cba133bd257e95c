package jp.securetoken.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;

import org.junit.jupiter.api.Test;

class CscJsonTest {

    @Test
    void aWellFormedObjectIsRead() {
        Map<String, Object> m = CscJson.parse("{\"SAD\":\"abc\",\"expiresIn\":300,\"list\":[\"x\"]}");
        assertEquals("abc", CscJson.text(m, "SAD"));
        assertEquals(300, CscJson.number(m, "expiresIn", -1));
        assertEquals(java.util.List.of("x"), CscJson.texts(m, "list"));
    }

    @Test
    void trailingDataDuplicateNamesDeepNestingAndNonObjectsAreRefused() {
        assertThrows(CscJson.Malformed.class, () -> CscJson.parse("{\"a\":1} {\"b\":2}"));
        assertThrows(CscJson.Malformed.class, () -> CscJson.parse("{\"SAD\":\"a\",\"SAD\":\"b\"}"));
        assertThrows(CscJson.Malformed.class, () -> CscJson.parse("{\"a\":" + "[".repeat(40) + "]".repeat(40) + "}"));
        assertThrows(CscJson.Malformed.class, () -> CscJson.parse("[1,2]"));
        assertThrows(CscJson.Malformed.class, () -> CscJson.parse("{\"a\":"));
    }

    @Test
    void aFieldOfTheWrongTypeIsRefusedNotGuessed() {
        Map<String, Object> m = CscJson.parse("{\"SAD\":42,\"n\":\"7\",\"l\":[1]}");
        assertThrows(CscJson.Malformed.class, () -> CscJson.text(m, "SAD"));
        assertThrows(CscJson.Malformed.class, () -> CscJson.number(m, "n", 0));
        assertThrows(CscJson.Malformed.class, () -> CscJson.texts(m, "l"));
        assertThrows(CscJson.Malformed.class, () -> CscJson.base64("not base64!", "signatures"));
    }
}
