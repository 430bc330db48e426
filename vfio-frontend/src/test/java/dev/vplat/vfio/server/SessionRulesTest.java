package dev.vplat.vfio.server;

import dev.vplat.vfio.kernel.Errno;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PROTOCOL.md "Session": HELLO first, major 1, roles, token, BYE. */
class SessionRulesTest {
    private final ServerFixture fx = new ServerFixture();

    private static int errno(Outcome o) {
        return -((Reply) o.message()).result();
    }

    @Test
    void helloRepliesWithVersionRoleAndSession() {
        Session s = fx.newSession();
        Reply r = fx.call(s, Op.HELLO, ServerFixture.hello(1, 1, "{\"client\":\"t\"}"));
        ReplyBody.Hello h = (ReplyBody.Hello) r.body();
        assertEquals(1, h.major());
        assertTrue(h.json().contains("\"server\":\"vplat\""), h.json());
        assertTrue(h.json().contains("\"role\":\"guest\""), h.json());
        assertTrue(h.json().contains("\"max_payload\":16777216"), h.json());
        assertTrue(h.json().contains("\"session\":" + s.process().pid()), h.json());
        assertTrue(s.process().privileged());
    }

    @Test
    void userRoleIsAnUnprivilegedProcess() {
        assertFalse(fx.user().process().privileged());
    }

    @Test
    void anOpBeforeHelloIsEprotoAndCloses() {
        Session s = fx.newSession();
        Outcome o = fx.run(s, Op.MACHINE_INFO, new byte[0]);
        assertEquals(Errno.EPROTO.number(), errno(o));
        assertTrue(o.close());
        assertNull(fx.run(s, Op.HELLO, ServerFixture.hello(1, 1, "{}")).message());
    }

    @Test
    void anUnknownOpBeforeHelloIsEprotoToo() {
        Session s = fx.newSession();
        Outcome o = fx.executor.execute(s, fx.decode(0x7777, new byte[0]));
        assertEquals(Errno.EPROTO.number(), errno(o));
        assertTrue(o.close());
    }

    @Test
    void wrongMajorIsEprotoAndCloses() {
        Outcome o = fx.run(fx.newSession(), Op.HELLO, ServerFixture.hello(2, 1, "{}"));
        assertEquals(Errno.EPROTO.number(), errno(o));
        assertTrue(o.close());
    }

    @Test
    void unknownRoleIsEprotoAndCloses() {
        Outcome o = fx.run(fx.newSession(), Op.HELLO, ServerFixture.hello(1, 7, "{}"));
        assertEquals(Errno.EPROTO.number(), errno(o));
        assertTrue(o.close());
    }

    @Test
    void truncatedHelloIsEprotoAndCloses() {
        Outcome o = fx.run(fx.newSession(), Op.HELLO, new byte[] {1, 0});
        assertEquals(Errno.EPROTO.number(), errno(o));
        assertTrue(o.close());
    }

    @Test
    void secondHelloIsEprotoButKeepsTheSession() {
        Session s = fx.guest();
        Outcome o = fx.run(s, Op.HELLO, ServerFixture.hello(1, 1, "{}"));
        assertEquals(Errno.EPROTO.number(), errno(o));
        assertFalse(o.close());
    }

    @Test
    void guestOpFromUserSessionIsEacces() {
        Outcome o = fx.run(fx.user(), Op.MEM_READ, Bytes.le().u64(0).u32(4).array());
        assertEquals(Errno.EACCES.number(), errno(o));
        assertFalse(o.close());
    }

    @Test
    void guestHelloWithoutTheServersTokenIsEaccesAndCloses() {
        ServerFixture secured = new ServerFixture(ServerOptions.defaults().withToken("s3cret"));
        Outcome o = secured.run(secured.newSession(), Op.HELLO, ServerFixture.hello(1, 1, "{}"));
        assertEquals(Errno.EACCES.number(), errno(o));
        assertTrue(o.close());
    }

    @Test
    void guestHelloWithAWrongTokenIsEacces() {
        ServerFixture secured = new ServerFixture(ServerOptions.defaults().withToken("s3cret"));
        Outcome o = secured.run(secured.newSession(), Op.HELLO, ServerFixture.hello(1, 1, "{\"token\":\"guess\"}"));
        assertEquals(Errno.EACCES.number(), errno(o));
    }

    @Test
    void guestHelloWithTheTokenStarts() {
        ServerFixture secured = new ServerFixture(ServerOptions.defaults().withToken("s3cret"));
        Session s = secured.newSession();
        Reply r = secured.call(s, Op.HELLO, ServerFixture.hello(1, 1, "{\"token\":\"s3cret\"}"));
        assertEquals(0, r.result());
        assertTrue(s.started());
    }

    @Test
    void userRoleNeedsNoToken() {
        ServerFixture secured = new ServerFixture(ServerOptions.defaults().withToken("s3cret"));
        Reply r = secured.call(secured.newSession(), Op.HELLO, ServerFixture.hello(1, 0, "{}"));
        assertEquals(0, r.result());
    }

    @Test
    void byeIsAnsweredThenCloses() {
        Session s = fx.guest();
        Outcome o = fx.run(s, Op.BYE, new byte[0]);
        assertEquals(0, ((Reply) o.message()).result());
        assertTrue(o.close());
        assertNull(fx.run(s, Op.MACHINE_INFO, new byte[0]).message());
    }

    @Test
    void byeEndsTheProcessBeforeItsReplyIsSent() {
        Session s = fx.guest();
        fx.call(s, Op.EVENTFD, Bytes.le().u64(0).array());
        fx.run(s, Op.BYE, new byte[0]);
        assertEquals(0L, fx.platform.kernel().counters().get("sessions"));
        assertEquals(0L, fx.platform.kernel().counters().get("fds"));
    }

    @Test
    void errorRepliesCarryAMessageAndKeepTheSession() {
        Session s = fx.guest();
        fx.call(s, Op.CLOCK_STEP, Bytes.le().u64(10).array());
        Outcome past = fx.run(s, Op.CLOCK_SET, Bytes.le().u64(5).array());
        assertEquals(Errno.EINVAL.number(), errno(past));
        assertFalse(past.close());
        String msg = ((ReplyBody.Error) ((Reply) past.message()).body()).message();
        assertTrue(msg.contains("10 ns"), msg);
    }

    @Test
    void exitEndsTheProcessAndCountersReturnToZero() {
        Session s = fx.guest();
        fx.call(s, Op.EVENTFD, Bytes.le().u64(0).array());
        assertEquals(1L, fx.platform.kernel().counters().get("sessions"));
        assertEquals(1L, fx.platform.kernel().counters().get("fds"));
        fx.executor.exit(s);
        assertEquals(0L, fx.platform.kernel().counters().get("sessions"));
        assertEquals(0L, fx.platform.kernel().counters().get("fds"));
        assertTrue(s.closing());
    }
}
