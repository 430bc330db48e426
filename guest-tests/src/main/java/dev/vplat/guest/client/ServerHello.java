package dev.vplat.guest.client;

import java.util.Map;

/**
 * The server's HELLO reply: protocol version and the JSON object
 * {@code {"server","version","machine","max_payload","role","session"}}.
 */
public record ServerHello(int major, int minor, String json, Map<String, Object> fields) {
    public static ServerHello parse(int major, int minor, String json) {
        return new ServerHello(major, minor, json, Json.parseObject(json));
    }

    public String server() {
        return (String) fields.get("server");
    }

    public String version() {
        return String.valueOf(fields.get("version"));
    }

    public String machine() {
        return (String) fields.get("machine");
    }

    /** The payload limit the server enforces; the default 16 MiB if it did not say. */
    public int maxPayload() {
        Object v = fields.get("max_payload");
        return v == null ? FrameCodec.DEFAULT_MAX_PAYLOAD : (int) MachineInfo.hex(v);
    }

    /** The role the server granted: "user" or "guest". */
    public String role() {
        return (String) fields.get("role");
    }

    /** The session number, as MACHINE_INFO and server logs name it. */
    public long session() {
        return MachineInfo.hex(fields.get("session"));
    }
}
