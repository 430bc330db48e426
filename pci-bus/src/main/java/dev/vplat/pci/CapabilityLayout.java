package dev.vplat.pci;

import dev.vplat.pci.config.ConfigSpace;
import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.sdk.PcieType;

/**
 * Places capabilities in config space and links the lists: standard ones from 0x40 chained from
 * the Capabilities Pointer (PCI spec §6.7), extended ones from 0x100 chained through their
 * headers (PCIe Base spec §7.6.3), in declaration order.
 */
final class CapabilityLayout {
    private final ConfigSpace cfg;
    private final boolean[] used;
    private int lastStandard;
    private int lastExtended;
    private int nextStandard = 0x40;
    private int nextExtended = 0x100;

    CapabilityLayout(ConfigSpace cfg) {
        this.cfg = cfg;
        this.used = new boolean[cfg.size()];
    }

    int addStandard(int capId, int length, int requested) {
        int at = place(requested, length, nextStandard, ConfigSpace.PCI_SIZE, 4);
        nextStandard = Math.max(nextStandard, align(at + length, 4));
        cfg.set8(at, capId);
        cfg.set8(at + 1, 0);
        if (lastStandard == 0) {
            cfg.set8(PciConfig.CAPABILITY_LIST, at);
            cfg.setBits(PciConfig.STATUS, 2, PciConfig.STATUS_CAP_LIST, true);
        } else {
            cfg.set8(lastStandard + 1, at);
        }
        lastStandard = at;
        return at;
    }

    int addExtended(int capId, int length, int requested) {
        int at = place(requested, length, nextExtended, ConfigSpace.PCIE_SIZE, 4);
        nextExtended = Math.max(nextExtended, align(at + length, 4));
        cfg.set32(at, capId | (1L << 16));
        if (lastExtended != 0) {
            long header = cfg.get32(lastExtended);
            cfg.set32(lastExtended, (header & 0xF_FFFFL) | ((long) at << 20));
        }
        lastExtended = at;
        return at;
    }

    private int place(int requested, int length, int next, int limit, int alignment) {
        int at = requested != 0 ? requested : next;
        if ((at & (alignment - 1)) != 0 || at + length > limit || at < (limit == ConfigSpace.PCI_SIZE ? 0x40 : 0x100)) {
            throw new IllegalArgumentException("capability at 0x" + Integer.toHexString(at) + " does not fit");
        }
        for (int i = at; i < at + length; i++) {
            if (used[i]) {
                throw new IllegalArgumentException("capability at 0x" + Integer.toHexString(at) + " overlaps another");
            }
            used[i] = true;
        }
        return at;
    }

    private static int align(int v, int a) {
        return (v + a - 1) & -a;
    }

    /**
     * PCI Express capability, version 2 (PCIe Base spec §7.5.3): one 2.5 GT/s x1 link, FLR if
     * capable, Device Control and Link Control writable, slot implemented on downstream ports.
     */
    static void pcie(ConfigSpace cfg, int base, PcieType type, boolean flr, int slotNumber) {
        int flags = 2 | (type.code() << 4) | (type.downstreamPort() ? PciConfig.EXP_FLAGS_SLOT : 0);
        cfg.set16(base + PciConfig.EXP_FLAGS, flags);
        boolean flrCapable = flr && type.endpoint();
        cfg.set32(base + PciConfig.EXP_DEVCAP, 0x1 | (flrCapable ? PciConfig.EXP_DEVCAP_FLR : 0) | (1 << 15));
        cfg.set16(base + PciConfig.EXP_DEVCTL, 0x2810);
        cfg.rw(base + PciConfig.EXP_DEVCTL, 2, 0x7FFF | (flrCapable ? PciConfig.EXP_DEVCTL_BCR_FLR : 0));
        cfg.w1c(base + PciConfig.EXP_DEVSTA, 2, 0x000F);
        cfg.set32(base + PciConfig.EXP_LNKCAP, 0x1 | (1 << 4) | (type.downstreamPort() ? 1 << 20 : 0));
        cfg.rw(base + PciConfig.EXP_LNKCTL, 2, 0x0FFB);
        cfg.set16(base + PciConfig.EXP_LNKSTA, 0x1 | (1 << 4) | (type.downstreamPort() ? 1 << 13 : 0));
        if (type.downstreamPort()) {
            cfg.set32(base + PciConfig.EXP_SLTCAP, (long) slotNumber << 19);
            cfg.rw(base + PciConfig.EXP_SLTCTL, 2, 0x1FFF);
            cfg.set16(base + PciConfig.EXP_SLTSTA, 0x40);
        }
        cfg.set32(base + PciConfig.EXP_DEVCAP2, 0);
        cfg.rw(base + PciConfig.EXP_DEVCTL2, 2, 0x0400 | 0x0020);
        cfg.set32(base + PciConfig.EXP_LNKCAP2, 0x2);
        cfg.set16(base + PciConfig.EXP_LNKCTL2, 0x1);
        cfg.rw(base + PciConfig.EXP_LNKCTL2, 2, 0x000F);
    }

    /** PM capability version 3 (PCI PM spec 1.2 §3.2): D0/D3hot, No_Soft_Reset, PME status. */
    static void powerManagement(ConfigSpace cfg, int base) {
        cfg.set16(base + PciConfig.PM_PMC, 0x3);
        cfg.set16(base + PciConfig.PM_CTRL, PciConfig.PM_CTRL_NO_SOFT_RESET);
        cfg.rw(base + PciConfig.PM_CTRL, 2, PciConfig.PM_CTRL_STATE_MASK | 0x0100);
        cfg.w1c(base + PciConfig.PM_CTRL, 2, PciConfig.PM_CTRL_PME_STATUS);
    }
}
