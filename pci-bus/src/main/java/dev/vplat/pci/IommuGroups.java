package dev.vplat.pci;

import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.sdk.PcieType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * IOMMU group formation with Linux's rules (drivers/iommu/iommu.c pci_device_group,
 * drivers/pci/pci.c pci_acs_enabled/pci_acs_path_enabled, drivers/pci/search.c
 * pci_for_each_dma_alias). Functions are taken in enumeration order; each one joins the group of
 * (1) an owner of one of its DMA aliases, else (2) the first bridge upstream whose path to the
 * root lacks ACS isolation, else (4) a non-isolated sibling function of its multifunction slot,
 * else starts a new group. Step 3 (quirk alias masks) has no input here: no model declares
 * DMA alias quirks.
 */
final class IommuGroups {
    /** Linux REQ_ACS_FLAGS: Source Validation, P2P Request/Completion Redirect, Upstream Forwarding. */
    static final int REQ_ACS_FLAGS = PciConfig.ACS_SV | PciConfig.ACS_RR | PciConfig.ACS_CR | PciConfig.ACS_UF;

    private final Map<PciFunction, Integer> groupOf = new LinkedHashMap<>();
    private int nextId;

    private IommuGroups() {
    }

    static List<PciGroup> compute(PciHost host) {
        IommuGroups g = new IommuGroups();
        for (PciFunction f : host.functions()) {
            g.groupOf.put(f, g.groupFor(f));
        }
        Map<Integer, List<PciFunction>> members = new LinkedHashMap<>();
        g.groupOf.forEach((f, id) -> members.computeIfAbsent(id, k -> new ArrayList<>()).add(f));
        List<PciGroup> out = new ArrayList<>();
        members.forEach((id, fs) -> out.add(new PciGroup(id, fs)));
        return out;
    }

    private int groupFor(PciFunction dev) {
        // 1: DMA aliases; the last alias owner is the topmost PCIe-to-PCI bridge on the path.
        PciFunction owner = dev;
        for (PciBridge b = dev.bus().bridge(); b != null; b = b.bus().bridge()) {
            if (b.kind() == PciBridge.Kind.PCIE_TO_PCI_BRIDGE) {
                owner = b;
                Integer g = groupOf.get(b);
                if (g != null) {
                    return g;
                }
            }
        }
        // 2: climb while the path from the bridge to the root is not ACS-isolated.
        for (PciBus bus = owner.bus(); !bus.root(); bus = bus.bridge().bus()) {
            PciBridge self = bus.bridge();
            if (acsPathEnabled(self)) {
                break;
            }
            owner = self;
            Integer g = groupOf.get(self);
            if (g != null) {
                return g;
            }
        }
        // 4: non-isolated functions of a multifunction slot share a group.
        if (owner.multifunction() && !acsEnabled(owner)) {
            int slot = owner.devfn() & ~7;
            for (int fn = 0; fn < 8; fn++) {
                PciFunction sibling = owner.bus().at(slot | fn);
                if (sibling == null || sibling == owner || acsEnabled(sibling)) {
                    continue;
                }
                Integer g = groupOf.get(sibling);
                if (g != null) {
                    return g;
                }
            }
        }
        Integer existing = groupOf.get(owner);
        return existing != null ? existing : nextId++;
    }

    /** Linux pci_acs_path_enabled(start, NULL, REQ_ACS_FLAGS). */
    static boolean acsPathEnabled(PciFunction start) {
        for (PciFunction f = start; ; f = f.bus().bridge()) {
            if (!acsEnabled(f)) {
                return false;
            }
            if (f.bus().root()) {
                return true;
            }
        }
    }

    /** Linux pci_acs_enabled(dev, REQ_ACS_FLAGS), without device-specific quirks. */
    static boolean acsEnabled(PciFunction f) {
        PcieType type = f.pcieType();
        if (type == null) {
            return false;
        }
        switch (type) {
            case ROOT_PORT:
            case DOWNSTREAM_PORT:
                return acsFlagsEnabled(f);
            case ENDPOINT:
            case UPSTREAM_PORT:
            case LEGACY_ENDPOINT:
            case RC_INTEGRATED_ENDPOINT:
                return !f.multifunction() || acsFlagsEnabled(f);
            default:
                return false;
        }
    }

    /** Linux pci_acs_flags_enabled: flags the capability lacks are not required (except EC). */
    private static boolean acsFlagsEnabled(PciFunction f) {
        int pos = f.findExtendedCapability(PciConfig.EXT_CAP_ID_ACS);
        if (pos == 0) {
            return false;
        }
        int cap = (int) f.configRead(pos + PciConfig.ACS_CAP, 2);
        int ctrl = (int) f.configRead(pos + PciConfig.ACS_CTRL, 2);
        int required = REQ_ACS_FLAGS & (cap | PciConfig.ACS_EC);
        return (ctrl & required) == required;
    }

    /**
     * What Linux's pci_enable_acs does at enumeration when an IOMMU asked for ACS: turn on SV,
     * RR, CR and UF (where implemented) in ACS Control. Returns whether the function has ACS.
     */
    static boolean enableAcs(PciFunction f) {
        int pos = f.findExtendedCapability(PciConfig.EXT_CAP_ID_ACS);
        if (pos == 0) {
            return false;
        }
        int cap = (int) f.configRead(pos + PciConfig.ACS_CAP, 2);
        int ctrl = (int) f.configRead(pos + PciConfig.ACS_CTRL, 2);
        f.configWrite(pos + PciConfig.ACS_CTRL, 2, ctrl | (cap & REQ_ACS_FLAGS));
        return true;
    }
}
