package dev.vplat.guest.client;

import dev.vplat.vfio.platform.PlatformConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SessionScopeTest {
    private static EmbeddedVplat vplat;

    @BeforeAll
    static void start() {
        vplat = EmbeddedVplat.start(PlatformConfig.defaults().withMemory(64L << 20));
    }

    @AfterAll
    static void stop() {
        vplat.close();
    }

    @Test
    void undoRunsNewestFirstAfterUsersExitAndBeforeGuestsExit() {
        SessionScope scope = new SessionScope();
        VplatClient guest = scope.add(vplat.connect(Role.GUEST));
        VplatClient user = scope.add(vplat.connect(Role.USER));
        List<String> seen = new ArrayList<>();
        scope.afterUsersExit(() -> seen.add("first: user open " + user.isOpen() + ", guest open " + guest.isOpen()));
        scope.afterUsersExit(() -> seen.add("second"));

        scope.close();

        assertEquals(List.of("second", "first: user open false, guest open true"), seen);
        assertFalse(guest.isOpen());
    }

    @Test
    void aFailingUndoStillEndsEverySessionAndIsRethrown() {
        SessionScope scope = new SessionScope();
        VplatClient guest = scope.add(vplat.connect(Role.GUEST));
        IllegalStateException boom = new IllegalStateException("rebind failed");
        scope.afterUsersExit(() -> {
            throw boom;
        });

        assertSame(boom, assertThrows(IllegalStateException.class, scope::close));
        assertFalse(guest.isOpen());
    }
}
