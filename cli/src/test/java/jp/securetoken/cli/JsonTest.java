package jp.securetoken.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The CLI's JSON writer escapes every string so that any label or subject survives. */
class JsonTest {

    @Test
    void awkwardStringsRoundTrip() {
        String awkward = "quote \" backslash \\ newline \n tab \t bell \u0007 ライン \u2028 end";
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("s", awkward);
        doc.put("list", List.of(1, true, "x"));
        doc.put("empty", List.of());
        doc.put("none", null);
        Map<?, ?> back = (Map<?, ?>) JsonParser.parse(Json.write(doc));
        assertEquals(awkward, back.get("s"));
        assertEquals(List.of(1L, true, "x"), back.get("list"));
        assertEquals(List.of(), back.get("empty"));
        assertEquals(null, back.get("none"));
    }
}
