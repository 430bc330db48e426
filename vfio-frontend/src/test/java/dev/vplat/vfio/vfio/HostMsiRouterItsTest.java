package dev.vplat.vfio.vfio;

import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.vfio.kernel.EventFd;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Host vectors on an Arm host with a GICv3 ITS: EventIDs on GITS_TRANSLATER. */
class HostMsiRouterItsTest {
    private static final long GITS_TRANSLATER = 0x0809_0040L;
    private final HostMsiRouter router = new HostMsiRouter(GITS_TRANSLATER);

    @Test
    void vectorsAreAlignedEventIdBlocksOnTheDoorbell() {
        HostMsiRouter.HostVector[] first = router.allocate(1);
        HostMsiRouter.HostVector[] block = router.allocate(4);

        assertEquals(new HostMsiRouter.HostVector(GITS_TRANSLATER, 0), first[0]);
        assertEquals(new HostMsiRouter.HostVector(GITS_TRANSLATER, 4), block[0], "a block of 4 starts 4-aligned");
        router.free(first[0]);
        assertEquals(4, router.allocated());
    }

    @Test
    void aDevicesMessageSignalsItsEventfdButANonPciSourceWithTheSameDataDoesNot() {
        HostMsiRouter.HostVector v = router.allocate(1)[0];
        EventFd fd = new EventFd(0);
        router.route(v, fd);

        router.onMsi(new MsiMessage(GITS_TRANSLATER, v.data(), -1));
        assertEquals(0, fd.counter(), "the SMMU's own MSI is another ITS device's event");
        router.onMsi(new MsiMessage(GITS_TRANSLATER, v.data(), 0x100));
        assertEquals(1, fd.counter());
    }
}
