package dev.vplat.pci;

import java.util.ArrayList;
import java.util.List;

/**
 * One PCI bus segment: the root bus, or the secondary bus of a bridge. Its number is not fixed:
 * a secondary bus is numbered by whatever the guest programs into its bridge's Secondary Bus
 * Number register (0 until then, when only bus 0 is reachable).
 */
public final class PciBus {
    private final PciBridge bridge;
    private final PciFunction[] slots = new PciFunction[256];

    PciBus(PciBridge bridge) {
        this.bridge = bridge;
    }

    /** The bridge this bus is the secondary side of, or null for the root bus. */
    public PciBridge bridge() {
        return bridge;
    }

    public boolean root() {
        return bridge == null;
    }

    /** The bus number: 0 for the root bus, otherwise the bridge's programmed secondary bus number. */
    public int number() {
        return bridge == null ? 0 : bridge.secondaryBusNumber();
    }

    /**
     * Whether this bus is a PCIe link below a root or downstream port, where only device 0
     * exists: type 0 configuration requests to other device numbers end as Unsupported Request
     * (PCIe Base spec §7.3.1), which software reads as all-ones.
     */
    public boolean link() {
        return bridge != null && bridge.kind().link();
    }

    /** Every function plugged on this bus, in devfn order. */
    public List<PciFunction> functions() {
        List<PciFunction> out = new ArrayList<>();
        for (PciFunction f : slots) {
            if (f != null) {
                out.add(f);
            }
        }
        return out;
    }

    public PciFunction at(int devfn) {
        return slots[devfn];
    }

    /**
     * The function a configuration request to {@code devfn} reaches: none behind a link for
     * device numbers other than 0, and no function other than 0 of a slot whose function 0 is
     * absent (what QEMU does, and what Linux's scan assumes).
     */
    PciFunction decode(int devfn) {
        if (link() && (devfn >>> 3) != 0) {
            return null;
        }
        if ((devfn & 7) != 0 && slots[devfn & ~7] == null) {
            return null;
        }
        return slots[devfn];
    }

    void plug(int devfn, PciFunction f) {
        if (slots[devfn] != null) {
            throw new IllegalArgumentException(String.format("devfn %02x.%x is already used by %s",
                    devfn >>> 3, devfn & 7, slots[devfn].id()));
        }
        if (link() && (devfn >>> 3) != 0) {
            throw new IllegalArgumentException("only device 0 exists below a PCIe port");
        }
        slots[devfn] = f;
        int first = devfn & ~7;
        int count = 0;
        for (int i = first; i < first + 8; i++) {
            count += slots[i] != null ? 1 : 0;
        }
        if (count > 1 || (devfn & 7) != 0) {
            for (int i = first; i < first + 8; i++) {
                if (slots[i] != null) {
                    slots[i].markMultifunction();
                }
            }
        }
    }

    /** First device number whose function 0 is free ({@code from} upwards), or -1. */
    int freeSlot(int from) {
        int last = link() ? 0 : 31;
        for (int d = link() ? 0 : from; d <= last; d++) {
            if (slots[d << 3] == null) {
                return d;
            }
        }
        return -1;
    }
}
