package dev.vplat.pci.lspci;

import dev.vplat.pci.config.PciConfig;

import java.util.Locale;

import static dev.vplat.pci.lspci.Out.flag;

/**
 * The {@code Capabilities:} lines: the standard list from the Capabilities Pointer
 * (pciutils ls-caps.c show_caps) and, for PCI Express functions, the extended list from 0x100
 * (ls-ecaps.c show_ext_caps). Decoded are the capabilities vplat models — PM, MSI, MSI-X, PCI
 * Express, vendor-specific, ACS, ATS, PASID, PRI, VSEC; others print the way pciutils prints
 * ones it does not know.
 */
final class Capabilities {
    private Capabilities() {
    }

    static void render(FunctionSnapshot f, int verbosity, Out out) {
        int pcieType = -1;
        boolean extended = false;
        if ((f.u16(PciConfig.STATUS) & PciConfig.STATUS_CAP_LIST) != 0) {
            boolean[] seen = new boolean[256];
            int where = f.u8(PciConfig.CAPABILITY_LIST) & ~3;
            while (where != 0) {
                int id = f.u8(where);
                int next = f.u8(where + 1) & ~3;
                int cap = f.u16(where + 2);
                out.printf("\tCapabilities: [%02x] ", where);
                if (seen[where]) {
                    out.print("<chain looped>\n");
                    break;
                }
                seen[where] = true;
                if (id == 0xFF) {
                    out.print("<chain broken>\n");
                    break;
                }
                switch (id) {
                    case PciConfig.CAP_ID_PM:
                        powerManagement(f, where, cap, verbosity, out);
                        break;
                    case PciConfig.CAP_ID_MSI:
                        msi(f, where, cap, verbosity, out);
                        break;
                    case PciConfig.CAP_ID_VNDR:
                        out.printf("Vendor Specific Information: Len=%02x <?>\n", cap & 0xFF);
                        break;
                    case PciConfig.CAP_ID_EXP:
                        pcieType = Express.render(f, where, cap, verbosity, out);
                        extended = true;
                        break;
                    case PciConfig.CAP_ID_MSIX:
                        msix(f, where, cap, verbosity, out);
                        break;
                    default:
                        out.printf("#%02x [%04x]\n", id, cap);
                }
                where = next;
            }
        }
        if (extended && f.configSize() > 256) {
            extendedList(f, pcieType, verbosity, out);
        }
    }

    /** ls-caps.c cap_pm (PCI PM spec 1.2 §3.2.3, §3.2.4). */
    private static void powerManagement(FunctionSnapshot f, int where, int cap, int verbosity, Out out) {
        out.printf("Power Management version %d\n", cap & 7);
        if (verbosity < 2) {
            return;
        }
        int[] auxCurrent = {0, 55, 100, 160, 220, 270, 320, 375};
        out.printf("\t\tFlags: PMEClk%c DSI%c D1%c D2%c AuxCurrent=%dmA PME(D0%c,D1%c,D2%c,D3hot%c,D3cold%c)\n",
                flag(cap, 0x8), flag(cap, 0x20), flag(cap, 0x200), flag(cap, 0x400), auxCurrent[(cap & 0x1C0) >> 6],
                flag(cap, 0x800), flag(cap, 0x1000), flag(cap, 0x2000), flag(cap, 0x4000), flag(cap, 0x8000));
        int t = f.u16(where + PciConfig.PM_CTRL);
        out.printf("\t\tStatus: D%d NoSoftRst%c PME-Enable%c DSel=%d DScale=%d PME%c\n",
                t & PciConfig.PM_CTRL_STATE_MASK, flag(t, PciConfig.PM_CTRL_NO_SOFT_RESET), flag(t, 0x100),
                (t & 0x1E00) >> 9, (t & 0x6000) >> 13, flag(t, PciConfig.PM_CTRL_PME_STATUS));
        int bridge = f.u8(where + 6);
        if (bridge != 0) {
            out.printf("\t\tBridge: PM%c B3%c\n", flag(bridge, 0x80), flag(~bridge, 0x40));
        }
    }

    /** ls-caps.c cap_msi (PCI Local Bus spec 3.0 §6.8.1). */
    private static void msi(FunctionSnapshot f, int where, int cap, int verbosity, Out out) {
        boolean is64 = (cap & PciConfig.MSI_FLAGS_64BIT) != 0;
        boolean maskable = (cap & PciConfig.MSI_FLAGS_MASKBIT) != 0;
        out.printf("MSI: Enable%c Count=%d/%d Maskable%c 64bit%c\n", flag(cap, PciConfig.MSI_FLAGS_ENABLE),
                1 << ((cap & PciConfig.MSI_FLAGS_QSIZE) >> 4), 1 << ((cap & PciConfig.MSI_FLAGS_QMASK) >> 1),
                flag(cap, PciConfig.MSI_FLAGS_MASKBIT), flag(cap, PciConfig.MSI_FLAGS_64BIT));
        if (verbosity < 2) {
            return;
        }
        out.print("\t\tAddress: ");
        int data;
        if (is64) {
            out.printf("%08x", f.u32(where + 8));
            data = f.u16(where + 12);
        } else {
            data = f.u16(where + 8);
        }
        out.printf("%08x  Data: %04x\n", f.u32(where + PciConfig.MSI_ADDRESS_LO), data);
        if (maskable) {
            int maskAt = where + (is64 ? 16 : 12);
            out.printf("\t\tMasking: %08x  Pending: %08x\n", f.u32(maskAt), f.u32(maskAt + 4));
        }
    }

    /** ls-caps.c cap_msix (PCI Local Bus spec 3.0 §6.8.2). */
    private static void msix(FunctionSnapshot f, int where, int cap, int verbosity, Out out) {
        out.printf("MSI-X: Enable%c Count=%d Masked%c\n", flag(cap, PciConfig.MSIX_FLAGS_ENABLE),
                (cap & PciConfig.MSIX_FLAGS_QSIZE) + 1, flag(cap, PciConfig.MSIX_FLAGS_MASKALL));
        if (verbosity < 2) {
            return;
        }
        long table = f.u32(where + PciConfig.MSIX_TABLE);
        long pba = f.u32(where + PciConfig.MSIX_PBA);
        out.printf("\t\tVector table: BAR=%d offset=%08x\n", table & 7, table & ~7L);
        out.printf("\t\tPBA: BAR=%d offset=%08x\n", pba & 7, pba & ~7L);
    }

    /** ls-ecaps.c show_ext_caps: headers chained from 0x100 (PCIe Base spec §7.6.3). */
    private static void extendedList(FunctionSnapshot f, int pcieType, int verbosity, Out out) {
        boolean[] seen = new boolean[4096];
        int where = 0x100;
        do {
            long header = f.u32(where);
            if (header == 0 || header == 0xFFFF_FFFFL) {
                break;
            }
            int id = (int) (header & 0xFFFF);
            out.printf("\tCapabilities: [%03x", where);
            if (verbosity > 1) {
                out.printf(" v%d", (header >>> 16) & 0xF);
            }
            out.print("] ");
            if (seen[where]) {
                out.print("<chain looped>\n");
                break;
            }
            seen[where] = true;
            switch (id) {
                case PciConfig.EXT_CAP_ID_VNDR: {
                    long vsec = f.u32(where + 4);
                    out.printf("Vendor Specific Information: ID=%04x Rev=%d Len=%03x <?>\n",
                            vsec & 0xFFFF, (vsec >>> 16) & 0xF, vsec >>> 20);
                    break;
                }
                case PciConfig.EXT_CAP_ID_ACS:
                    acs(f, where, verbosity, out);
                    break;
                case PciConfig.EXT_CAP_ID_ATS:
                    ats(f, where, verbosity, out);
                    break;
                case PciConfig.EXT_CAP_ID_PRI:
                    pri(f, where, verbosity, out);
                    break;
                case PciConfig.EXT_CAP_ID_PASID:
                    pasid(f, where, verbosity, out);
                    break;
                default:
                    out.printf("Extended Capability ID %#x\n", id);
            }
            where = (int) (header >>> 20) & ~3;
        } while (where != 0);
    }

    /** ls-ecaps.c cap_acs (PCIe Base spec §7.7.11). */
    private static void acs(FunctionSnapshot f, int where, int verbosity, Out out) {
        out.print("Access Control Services\n");
        if (verbosity < 2) {
            return;
        }
        out.print("\t\tACSCap:\t").print(acsBits(f.u16(where + PciConfig.ACS_CAP))).print("\n");
        out.print("\t\tACSCtl:\t").print(acsBits(f.u16(where + PciConfig.ACS_CTRL))).print("\n");
    }

    private static String acsBits(int v) {
        return String.format(Locale.ROOT, "SrcValid%c TransBlk%c ReqRedir%c CmpltRedir%c UpstreamFwd%c EgressCtrl%c DirectTrans%c",
                flag(v, PciConfig.ACS_SV), flag(v, PciConfig.ACS_TB), flag(v, PciConfig.ACS_RR), flag(v, PciConfig.ACS_CR),
                flag(v, PciConfig.ACS_UF), flag(v, PciConfig.ACS_EC), flag(v, PciConfig.ACS_DT));
    }

    /** ls-ecaps.c cap_ats (PCIe Base spec §10.5.1). */
    private static void ats(FunctionSnapshot f, int where, int verbosity, Out out) {
        out.print("Address Translation Service (ATS)\n");
        if (verbosity < 2) {
            return;
        }
        int ctl = f.u16(where + PciConfig.ATS_CTRL);
        out.printf("\t\tATSCap:\tInvalidate Queue Depth: %02x\n", f.u16(where + PciConfig.ATS_CAP) & 0x1F);
        out.printf("\t\tATSCtl:\tEnable%c, Smallest Translation Unit: %02x\n", flag(ctl, PciConfig.ATS_CTRL_ENABLE), ctl & 0x1F);
    }

    /** ls-ecaps.c cap_pri (PCIe Base spec §10.5.2). */
    private static void pri(FunctionSnapshot f, int where, int verbosity, Out out) {
        out.print("Page Request Interface (PRI)\n");
        if (verbosity < 2) {
            return;
        }
        int ctl = f.u16(where + PciConfig.PRI_CTRL);
        int sta = f.u16(where + PciConfig.PRI_STATUS);
        out.printf("\t\tPRICtl: Enable%c Reset%c\n", flag(ctl, PciConfig.PRI_CTRL_ENABLE), flag(ctl, PciConfig.PRI_CTRL_RESET));
        out.printf("\t\tPRISta: RF%c UPRGI%c Stopped%c PASID%c\n", flag(sta, 0x1), flag(sta, 0x2),
                flag(sta, PciConfig.PRI_STATUS_STOPPED), flag(sta, 0x8000));
        out.printf("\t\tPage Request Capacity: %08x, Page Request Allocation: %08x\n",
                f.u32(where + PciConfig.PRI_MAX_REQ), f.u32(where + PciConfig.PRI_ALLOC_REQ));
    }

    /** ls-ecaps.c cap_pasid (PCIe Base spec §7.8.8). */
    private static void pasid(FunctionSnapshot f, int where, int verbosity, Out out) {
        out.print("Process Address Space ID (PASID)\n");
        if (verbosity < 2) {
            return;
        }
        int cap = f.u16(where + PciConfig.PASID_CAP);
        int ctl = f.u16(where + PciConfig.PASID_CTRL);
        out.printf("\t\tPASIDCap: Exec%c Priv%c, Max PASID Width: %02x\n", flag(cap, 0x2), flag(cap, 0x4), (cap >> 8) & 0x1F);
        out.printf("\t\tPASIDCtl: Enable%c Exec%c Priv%c\n", flag(ctl, PciConfig.PASID_CTRL_ENABLE), flag(ctl, 0x2), flag(ctl, 0x4));
    }
}
