package dev.vplat.vfio.server;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.platform.JsonWriter;
import dev.vplat.vfio.platform.VplatVersion;

import java.util.List;
import java.util.Map;

/** HELLO and BYE (PROTOCOL.md "Session"). */
final class SessionOps {
    record Hello(int major, int minor, int role, String json) {
    }

    private final SessionManager sessions;

    SessionOps(SessionManager sessions) {
        this.sessions = sessions;
    }

    List<OpSpec<?>> specs() {
        return List.of(
                new OpSpec<>(Op.HELLO, p -> new Hello(p.u16(), p.u16(), p.u32(), p.utf8()), this::hello),
                new OpSpec<Void>(Op.BYE, p -> {
                    p.end();
                    return null;
                }, (s, a) -> OpResult.OK));
    }

    /** Every failure here is answered and then the connection closes (the executor sees HELLO failed). */
    private OpResult hello(Session s, Hello h) {
        if (h.major() != FrameHeader.MAJOR) {
            throw new ServerError(Errno.EPROTO, "protocol major " + h.major() + " is not supported; this server speaks "
                    + FrameHeader.MAJOR + "." + FrameHeader.MINOR);
        }
        if (h.role() != 0 && h.role() != 1) {
            throw new ServerError(Errno.EPROTO, "role " + h.role() + " is neither 0 (user) nor 1 (guest)");
        }
        Map<String, Object> client;
        try {
            client = JsonReader.parseObject(h.json());
        } catch (IllegalArgumentException e) {
            throw new ServerError(Errno.EPROTO, "HELLO JSON: " + e.getMessage());
        }
        Session.Role role = h.role() == 1 ? Session.Role.GUEST : Session.Role.USER;
        Object token = client.get("token");
        if (role == Session.Role.GUEST && !sessions.tokenAccepted(token instanceof String t ? t : null)) {
            throw new ServerError(Errno.EACCES, token == null ? "this server needs a token for the guest role"
                    : "wrong token for the guest role");
        }
        sessions.start(s, role);
        String json = new JsonWriter().beginObject()
                .field("server", "vplat")
                .field("version", VplatVersion.version())
                .field("machine", sessions.platform().machine().name())
                .field("max_payload", sessions.options().maxPayload())
                .field("role", role.wireName())
                .field("session", s.process().pid())
                .endObject().toString();
        return OpResult.of(new ReplyBody.Hello(FrameHeader.MAJOR, FrameHeader.MINOR, json));
    }
}
