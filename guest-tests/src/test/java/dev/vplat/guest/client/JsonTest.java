package dev.vplat.guest.client;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class JsonTest {
    @Test
    void parsesNestedObjectsArraysAndScalars() {
        Object v = Json.parse(" {\"a\": [1, -2.5e1, true, false, null], \"b\": {\"c\": \"x\"}, \"d\": {}} ");
        assertEquals(Map.of("c", "x"), ((Map<?, ?>) v).get("b"));
        assertEquals(Arrays.asList(1L, -25.0, true, false, null), ((Map<?, ?>) v).get("a"));
        assertEquals(Map.of(), ((Map<?, ?>) v).get("d"));
    }

    @Test
    void decodesStringEscapesIncludingUnicode() {
        assertEquals("q\"\\/\b\f\n\r\t\u00e9", Json.parse("\"q\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\""));
    }

    @Test
    void keepsMemberOrder() {
        assertEquals(List.of("z", "a", "m"), List.copyOf(Json.parseObject("{\"z\":1,\"a\":2,\"m\":3}").keySet()));
    }

    @Test
    void rejectsTrailingGarbageAndUnterminatedInput() {
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{} x"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1, 2"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("\"abc"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\" 1}"));
    }

    @Test
    void quoteRoundTripsThroughParse() {
        String s = "tab\there \"quoted\" back\\slash \u0001";
        assertEquals(s, Json.parse(Json.quote(s)));
        assertEquals("null", Json.quote(null));
    }
}
