package dev.vplat.pci.lspci;

import dev.vplat.pci.config.PciConfig;

import static dev.vplat.pci.lspci.Out.flag;

/**
 * The header lines of lspci.c show_verbose (Control, Status, Latency, Interrupt, IOMMU group,
 * or the one {@code Flags:} line of {@code -v}, BIST) and of show_htype1 (bus numbers, the
 * windows behind a bridge, secondary status, bridge control).
 */
final class Header {
    private Header() {
    }

    private static final int STATUS_UDF = 0x40;
    private static final int STATUS_DEVSEL_MASK = 0x600;
    private static final int STATUS_DEVSEL_MEDIUM = 0x200;
    private static final int STATUS_DEVSEL_SLOW = 0x400;
    private static final int COMMAND_WAIT = 0x80;
    private static final int BIST = 0x0F;
    private static final int BIST_CAPABLE = 0x80;
    private static final int BIST_START = 0x40;

    static void controlAndStatus(FunctionSnapshot f, int verbosity, int minGnt, int maxLat, Out out) {
        int cmd = f.u16(PciConfig.COMMAND);
        int status = f.u16(PciConfig.STATUS);
        int latency = f.u8(PciConfig.LATENCY_TIMER);
        int cacheLine = f.u8(PciConfig.CACHE_LINE_SIZE);
        int pin = f.u8(PciConfig.INTERRUPT_PIN);
        int irq = f.u8(PciConfig.INTERRUPT_LINE);
        if (verbosity > 1) {
            out.printf("\tControl: I/O%c Mem%c BusMaster%c SpecCycle%c MemWINV%c VGASnoop%c ParErr%c Stepping%c SERR%c FastB2B%c DisINTx%c\n",
                    flag(cmd, PciConfig.COMMAND_IO), flag(cmd, PciConfig.COMMAND_MEMORY), flag(cmd, PciConfig.COMMAND_MASTER),
                    flag(cmd, PciConfig.COMMAND_SPECIAL), flag(cmd, PciConfig.COMMAND_INVALIDATE),
                    flag(cmd, PciConfig.COMMAND_VGA_PALETTE), flag(cmd, PciConfig.COMMAND_PARITY), flag(cmd, COMMAND_WAIT),
                    flag(cmd, PciConfig.COMMAND_SERR), flag(cmd, PciConfig.COMMAND_FAST_BACK),
                    flag(cmd, PciConfig.COMMAND_INTX_DISABLE));
            out.printf("\tStatus: Cap%c 66MHz%c UDF%c FastB2B%c ParErr%c DEVSEL=%s >TAbort%c <TAbort%c <MAbort%c >SERR%c <PERR%c INTx%c\n",
                    flag(status, PciConfig.STATUS_CAP_LIST), flag(status, PciConfig.STATUS_66MHZ), flag(status, STATUS_UDF),
                    flag(status, PciConfig.STATUS_FAST_BACK), flag(status, PciConfig.STATUS_PARITY), devsel(status),
                    flag(status, PciConfig.STATUS_SIG_TARGET_ABORT), flag(status, PciConfig.STATUS_REC_TARGET_ABORT),
                    flag(status, PciConfig.STATUS_REC_MASTER_ABORT), flag(status, PciConfig.STATUS_SIG_SYSTEM_ERROR),
                    flag(status, PciConfig.STATUS_DETECTED_PARITY), flag(status, PciConfig.STATUS_INTERRUPT));
            if ((cmd & PciConfig.COMMAND_MASTER) != 0) {
                out.printf("\tLatency: %d", latency);
                if (minGnt != 0 || maxLat != 0) {
                    out.print(" (");
                    if (minGnt != 0) {
                        out.printf("%dns min", minGnt * 250);
                    }
                    if (minGnt != 0 && maxLat != 0) {
                        out.print(", ");
                    }
                    if (maxLat != 0) {
                        out.printf("%dns max", maxLat * 250);
                    }
                    out.print(")");
                }
                if (cacheLine != 0) {
                    out.printf(", Cache Line Size: %d bytes", cacheLine * 4);
                }
                out.print("\n");
            }
            if (pin != 0 || irq != 0) {
                out.printf("\tInterrupt: pin %c routed to IRQ %d\n", pin != 0 ? (char) ('A' + pin - 1) : '?', irq);
            }
            if (f.iommuGroup() != null) {
                out.printf("\tIOMMU group: %d\n", f.iommuGroup());
            }
        } else {
            out.print("\tFlags: ");
            if ((cmd & PciConfig.COMMAND_MASTER) != 0) {
                out.print("bus master, ");
            }
            if ((cmd & PciConfig.COMMAND_VGA_PALETTE) != 0) {
                out.print("VGA palette snoop, ");
            }
            if ((cmd & COMMAND_WAIT) != 0) {
                out.print("stepping, ");
            }
            if ((cmd & PciConfig.COMMAND_FAST_BACK) != 0) {
                out.print("fast Back2Back, ");
            }
            if ((status & PciConfig.STATUS_66MHZ) != 0) {
                out.print("66MHz, ");
            }
            if ((status & STATUS_UDF) != 0) {
                out.print("user-definable features, ");
            }
            out.printf("%s devsel", devsel(status));
            if ((cmd & PciConfig.COMMAND_MASTER) != 0) {
                out.printf(", latency %d", latency);
            }
            if (irq != 0) {
                out.printf(", IRQ %d", irq);
            }
            if (f.iommuGroup() != null) {
                out.printf(", IOMMU group %d", f.iommuGroup());
            }
            out.print("\n");
        }
        int bist = f.u8(BIST);
        if ((bist & BIST_CAPABLE) != 0) {
            if ((bist & BIST_START) != 0) {
                out.print("\tBIST is running\n");
            } else {
                out.printf("\tBIST result: %02x\n", bist & 0x0F);
            }
        }
    }

    private static String devsel(int status) {
        switch (status & STATUS_DEVSEL_MASK) {
            case 0: return "fast";
            case STATUS_DEVSEL_MEDIUM: return "medium";
            case STATUS_DEVSEL_SLOW: return "slow";
            default: return "??";
        }
    }

    /** show_htype1 after the two BARs: bus numbers, windows (PCI-to-PCI Bridge spec 1.2 §3.2.5), status, control. */
    static void bridge(FunctionSnapshot f, int verbosity, Out out) {
        out.printf("\tBus: primary=%02x, secondary=%02x, subordinate=%02x, sec-latency=%d\n",
                f.u8(PciConfig.PRIMARY_BUS), f.u8(PciConfig.SECONDARY_BUS), f.u8(PciConfig.SUBORDINATE_BUS),
                f.u8(PciConfig.SEC_LATENCY_TIMER));
        ioWindow(f, verbosity, out);
        memoryWindow(f, verbosity, out);
        prefetchableWindow(f, verbosity, out);
        int sec = f.u16(PciConfig.SEC_STATUS);
        if (verbosity > 1) {
            out.printf("\tSecondary status: 66MHz%c FastB2B%c ParErr%c DEVSEL=%s >TAbort%c <TAbort%c <MAbort%c <SERR%c <PERR%c\n",
                    flag(sec, PciConfig.STATUS_66MHZ), flag(sec, PciConfig.STATUS_FAST_BACK), flag(sec, PciConfig.STATUS_PARITY),
                    devsel(sec), flag(sec, PciConfig.STATUS_SIG_TARGET_ABORT), flag(sec, PciConfig.STATUS_REC_TARGET_ABORT),
                    flag(sec, PciConfig.STATUS_REC_MASTER_ABORT), flag(sec, PciConfig.STATUS_SIG_SYSTEM_ERROR),
                    flag(sec, PciConfig.STATUS_DETECTED_PARITY));
        }
        Regions.rom(f, PciConfig.ROM_ADDRESS1, out);
        if (verbosity > 1) {
            int brc = f.u16(PciConfig.BRIDGE_CONTROL);
            out.printf("\tBridgeCtl: Parity%c SERR%c NoISA%c VGA%c VGA16%c MAbort%c >Reset%c FastB2B%c\n",
                    flag(brc, 0x01), flag(brc, 0x02), flag(brc, 0x04), flag(brc, 0x08), flag(brc, 0x10), flag(brc, 0x20),
                    flag(brc, PciConfig.BRIDGE_CTL_BUS_RESET), flag(brc, 0x80));
            out.printf("\t\tPriDiscTmr%c SecDiscTmr%c DiscTmrStat%c DiscTmrSERREn%c\n",
                    flag(brc, 0x100), flag(brc, 0x200), flag(brc, 0x400), flag(brc, 0x800));
        }
    }

    private static void ioWindow(FunctionSnapshot f, int verbosity, Out out) {
        int base = f.u8(PciConfig.IO_BASE);
        int limit = f.u8(PciConfig.IO_LIMIT);
        int type = base & 0x0F;
        if (type != (limit & 0x0F) || (type != 0 && type != 1)) {
            out.printf("\t!!! Unknown I/O range types %x/%x\n", base, limit);
            return;
        }
        long b = (long) (base & 0xF0) << 8;
        long l = (long) (limit & 0xF0) << 8;
        if (type == 1) {
            b |= (long) f.u16(PciConfig.IO_BASE_UPPER16) << 16;
            l |= (long) f.u16(PciConfig.IO_LIMIT_UPPER16) << 16;
        }
        range("\tI/O behind bridge", b, l + 0xFFF, false, verbosity, out);
    }

    private static void memoryWindow(FunctionSnapshot f, int verbosity, Out out) {
        int base = f.u16(PciConfig.MEMORY_BASE);
        int limit = f.u16(PciConfig.MEMORY_LIMIT);
        if ((base & 0x0F) != (limit & 0x0F) || (base & 0x0F) != 0) {
            out.printf("\t!!! Unknown memory range types %x/%x\n", base, limit);
            return;
        }
        range("\tMemory behind bridge", (long) (base & 0xFFF0) << 16, ((long) (limit & 0xFFF0) << 16) + 0xFFFFF,
                false, verbosity, out);
    }

    private static void prefetchableWindow(FunctionSnapshot f, int verbosity, Out out) {
        int base = f.u16(PciConfig.PREF_MEMORY_BASE);
        int limit = f.u16(PciConfig.PREF_MEMORY_LIMIT);
        int type = base & 0x0F;
        if (type != (limit & 0x0F) || (type != 0 && type != 1)) {
            out.printf("\t!!! Unknown prefetchable memory range types %x/%x\n", base, limit);
            return;
        }
        long b = (long) (base & 0xFFF0) << 16;
        long l = (long) (limit & 0xFFF0) << 16;
        if (type == 1) {
            b |= f.u32(PciConfig.PREF_BASE_UPPER32) << 32;
            l |= f.u32(PciConfig.PREF_LIMIT_UPPER32) << 32;
        }
        range("\tPrefetchable memory behind bridge", b, l + 0xFFFFF, type == 1, verbosity, out);
    }

    /** lspci.c show_range: the window and its size, or {@code [disabled]} when base is above limit. */
    private static void range(String prefix, long base, long limit, boolean is64, int verbosity, Out out) {
        out.print(prefix).print(":");
        boolean open = Long.compareUnsigned(base, limit) <= 0;
        if (open || verbosity > 2) {
            out.printf(is64 ? " %016x-%016x" : " %08x-%08x", base, limit);
        }
        out.print(open ? Out.size(limit - base + 1) : " [disabled]").print("\n");
    }
}
