package dev.vplat.pci.lspci;

import dev.vplat.pci.PciFunction;
import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.sdk.PcieType;

import java.util.Locale;

/** The capability part of {@code lspci -v/-vv} (pciutils ls-caps.c and ls-ecaps.c wording). */
final class Capabilities {
    private Capabilities() {
    }

    static void render(PciFunction f, int level, StringBuilder sb) {
        if ((f.configRead(PciConfig.STATUS, 2) & PciConfig.STATUS_CAP_LIST) != 0) {
            int ptr = (int) f.configRead(PciConfig.CAPABILITY_LIST, 1) & 0xFC;
            for (int ttl = 48; ptr >= 0x40 && ttl > 0; ttl--) {
                standard(f, ptr, (int) f.configRead(ptr, 1), level, sb);
                ptr = (int) f.configRead(ptr + 1, 1) & 0xFC;
            }
        }
        if (f.configSize() > 256 && f.pcieType() != null) {
            int ptr = 0x100;
            for (int ttl = 480; ptr >= 0x100 && ttl > 0; ttl--) {
                long header = f.configRead(ptr, 4);
                if (header == 0 || header == 0xFFFF_FFFFL) {
                    break;
                }
                extended(f, ptr, (int) (header & 0xFFFF), (int) (header >>> 16) & 0xF, level, sb);
                ptr = (int) (header >>> 20) & 0xFFC;
            }
        }
    }

    private static int r16(PciFunction f, int off) {
        return (int) f.configRead(off, 2);
    }

    private static long r32(PciFunction f, int off) {
        return f.configRead(off, 4);
    }

    private static String pm(int bit) {
        return Lspci.pm(bit);
    }

    private static void standard(PciFunction f, int at, int id, int level, StringBuilder sb) {
        sb.append(String.format(Locale.ROOT, "\tCapabilities: [%02x] ", at));
        switch (id) {
            case PciConfig.CAP_ID_MSI: {
                int ctl = r16(f, at + PciConfig.MSI_FLAGS);
                boolean is64 = (ctl & PciConfig.MSI_FLAGS_64BIT) != 0;
                boolean mask = (ctl & PciConfig.MSI_FLAGS_MASKBIT) != 0;
                sb.append(String.format(Locale.ROOT, "MSI: Enable%s Count=%d/%d Maskable%s 64bit%s\n",
                        pm(ctl & 1), 1 << ((ctl & PciConfig.MSI_FLAGS_QSIZE) >> 4), 1 << ((ctl & PciConfig.MSI_FLAGS_QMASK) >> 1),
                        pm(mask ? 1 : 0), pm(is64 ? 1 : 0)));
                if (level >= 2) {
                    long lo = r32(f, at + 4);
                    int dataAt = at + (is64 ? 0x0C : 0x08);
                    if (is64) {
                        sb.append(String.format(Locale.ROOT, "\t\tAddress: %08x%08x  Data: %04x\n", r32(f, at + 8), lo, r16(f, dataAt)));
                    } else {
                        sb.append(String.format(Locale.ROOT, "\t\tAddress: %08x  Data: %04x\n", lo, r16(f, dataAt)));
                    }
                    if (mask) {
                        sb.append(String.format(Locale.ROOT, "\t\tMasking: %08x  Pending: %08x\n",
                                r32(f, dataAt + 4), r32(f, dataAt + 8)));
                    }
                }
                break;
            }
            case PciConfig.CAP_ID_MSIX: {
                int ctl = r16(f, at + PciConfig.MSIX_FLAGS);
                sb.append(String.format(Locale.ROOT, "MSI-X: Enable%s Count=%d Masked%s\n", pm(ctl & PciConfig.MSIX_FLAGS_ENABLE),
                        (ctl & PciConfig.MSIX_FLAGS_QSIZE) + 1, pm(ctl & PciConfig.MSIX_FLAGS_MASKALL)));
                if (level >= 2) {
                    long table = r32(f, at + PciConfig.MSIX_TABLE);
                    long pba = r32(f, at + PciConfig.MSIX_PBA);
                    sb.append(String.format(Locale.ROOT, "\t\tVector table: BAR=%d offset=%08x\n", table & 7, table & ~7L));
                    sb.append(String.format(Locale.ROOT, "\t\tPBA: BAR=%d offset=%08x\n", pba & 7, pba & ~7L));
                }
                break;
            }
            case PciConfig.CAP_ID_PM: {
                sb.append(String.format(Locale.ROOT, "Power Management version %d\n", r16(f, at + PciConfig.PM_PMC) & 7));
                if (level >= 2) {
                    int csr = r16(f, at + PciConfig.PM_CTRL);
                    sb.append("\t\tFlags: PMEClk- DSI- D1- D2- AuxCurrent=0mA PME(D0-,D1-,D2-,D3hot-,D3cold-)\n");
                    sb.append(String.format(Locale.ROOT, "\t\tStatus: D%d NoSoftRst%s PME-Enable%s DSel=0 DScale=0 PME%s\n",
                            csr & 3, pm(csr & PciConfig.PM_CTRL_NO_SOFT_RESET), pm(csr & 0x100), pm(csr & PciConfig.PM_CTRL_PME_STATUS)));
                }
                break;
            }
            case PciConfig.CAP_ID_EXP: {
                int flags = r16(f, at + PciConfig.EXP_FLAGS);
                PcieType type = PcieType.fromCode((flags >> 4) & 0xF);
                sb.append(String.format(Locale.ROOT, "Express (v%d) %s, MSI %02x\n", flags & 0xF,
                        Lspci.pcieTypeName(type), (flags >> 9) & 0x1F));
                if (level >= 2) {
                    long devcap = r32(f, at + PciConfig.EXP_DEVCAP);
                    int devctl = r16(f, at + PciConfig.EXP_DEVCTL);
                    sb.append(String.format(Locale.ROOT, "\t\tDevCap:\tMaxPayload %d bytes, PhantFunc 0\n\t\t\tExtTag- RBE%s FLReset%s\n",
                            128 << (devcap & 7), pm((int) (devcap & (1 << 15))), pm((int) (devcap & PciConfig.EXP_DEVCAP_FLR))));
                    sb.append(String.format(Locale.ROOT, "\t\tDevCtl:\tCorrErr%s NonFatalErr%s FatalErr%s UnsupReq%s\n",
                            pm(devctl & 1), pm(devctl & 2), pm(devctl & 4), pm(devctl & 8)));
                    sb.append(String.format(Locale.ROOT, "\t\t\tRlxdOrd%s ExtTag%s PhantFunc%s AuxPwr%s NoSnoop%s\n",
                            pm(devctl & 0x10), pm(devctl & 0x100), pm(devctl & 0x200), pm(devctl & 0x400), pm(devctl & 0x800)));
                    long lnkcap = r32(f, at + PciConfig.EXP_LNKCAP);
                    int lnksta = r16(f, at + PciConfig.EXP_LNKSTA);
                    sb.append(String.format(Locale.ROOT, "\t\tLnkCap:\tPort #%d, Speed 2.5GT/s, Width x%d\n",
                            lnkcap >>> 24, (lnkcap >> 4) & 0x3F));
                    sb.append(String.format(Locale.ROOT, "\t\tLnkSta:\tSpeed 2.5GT/s, Width x%d\n", (lnksta >> 4) & 0x3F));
                }
                break;
            }
            default:
                sb.append(String.format(Locale.ROOT, "Capability ID %#04x\n", id));
        }
    }

    private static void extended(PciFunction f, int at, int id, int version, int level, StringBuilder sb) {
        sb.append(String.format(Locale.ROOT, "\tCapabilities: [%03x v%d] ", at, version));
        switch (id) {
            case PciConfig.EXT_CAP_ID_ACS: {
                sb.append("Access Control Services\n");
                if (level >= 2) {
                    sb.append("\t\tACSCap:\t").append(acsBits(r16(f, at + PciConfig.ACS_CAP))).append('\n');
                    sb.append("\t\tACSCtl:\t").append(acsBits(r16(f, at + PciConfig.ACS_CTRL))).append('\n');
                }
                break;
            }
            case PciConfig.EXT_CAP_ID_ATS: {
                sb.append("Address Translation Service (ATS)\n");
                if (level >= 2) {
                    int cap = r16(f, at + PciConfig.ATS_CAP);
                    int ctl = r16(f, at + PciConfig.ATS_CTRL);
                    sb.append(String.format(Locale.ROOT, "\t\tATSCap:\tInvalidate Queue Depth: %02x\n", cap & 0x1F));
                    sb.append(String.format(Locale.ROOT, "\t\tATSCtl:\tEnable%s, Smallest Translation Unit: %02x\n",
                            pm(ctl & PciConfig.ATS_CTRL_ENABLE), ctl & 0x1F));
                }
                break;
            }
            case PciConfig.EXT_CAP_ID_PASID: {
                sb.append("Process Address Space ID (PASID)\n");
                if (level >= 2) {
                    int cap = r16(f, at + PciConfig.PASID_CAP);
                    int ctl = r16(f, at + PciConfig.PASID_CTRL);
                    sb.append(String.format(Locale.ROOT, "\t\tPASIDCap: Exec%s Priv%s, Max PASID Width: %02x\n",
                            pm(cap & 2), pm(cap & 4), (cap >> 8) & 0x1F));
                    sb.append(String.format(Locale.ROOT, "\t\tPASIDCtl: Enable%s Exec%s Priv%s\n", pm(ctl & 1), pm(ctl & 2), pm(ctl & 4)));
                }
                break;
            }
            case PciConfig.EXT_CAP_ID_PRI: {
                sb.append("Page Request Interface (PRI)\n");
                if (level >= 2) {
                    int ctl = r16(f, at + PciConfig.PRI_CTRL);
                    int sta = r16(f, at + PciConfig.PRI_STATUS);
                    sb.append(String.format(Locale.ROOT, "\t\tPRICtl: Enable%s Reset%s\n", pm(ctl & 1), pm(ctl & 2)));
                    sb.append(String.format(Locale.ROOT, "\t\tPRISta: RF%s UPRGI%s Stopped%s PASID%s\n",
                            pm(sta & 1), pm(sta & 2), pm(sta & 0x100), pm(sta & 0x8000)));
                    sb.append(String.format(Locale.ROOT, "\t\tPage Request Capacity: %08x, Page Request Allocation: %08x\n",
                            r32(f, at + PciConfig.PRI_MAX_REQ), r32(f, at + PciConfig.PRI_ALLOC_REQ)));
                }
                break;
            }
            default:
                sb.append(String.format(Locale.ROOT, "Extended Capability ID %#06x\n", id));
        }
    }

    private static String acsBits(int v) {
        return "SrcValid" + pm(v & PciConfig.ACS_SV) + " TransBlk" + pm(v & PciConfig.ACS_TB) + " ReqRedir" + pm(v & PciConfig.ACS_RR)
                + " CmpltRedir" + pm(v & PciConfig.ACS_CR) + " UpstreamFwd" + pm(v & PciConfig.ACS_UF)
                + " EgressCtrl" + pm(v & PciConfig.ACS_EC) + " DirectTrans" + pm(v & PciConfig.ACS_DT);
    }
}
