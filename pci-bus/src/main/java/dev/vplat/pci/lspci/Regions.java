package dev.vplat.pci.lspci;

import dev.vplat.pci.config.PciConfig;

/**
 * BAR and expansion ROM lines (lspci.c show_bases, show_rom). Each combines two views, as
 * pciutils does: the OS's resource (address and size) and the BAR register itself. A region the
 * OS reports while the register reads zero is {@code [virtual]}; one whose decoder is off in the
 * Command register is {@code [disabled]}; a zero address is {@code <unassigned>}, or
 * {@code <ignored>} when the register holds an address the OS does not use.
 */
final class Regions {
    private Regions() {
    }

    private static final long IO_MASK = ~0x3L;
    private static final long MEM_MASK = ~0xFL;
    private static final int MEM_TYPE_MASK = 0x6;
    private static final int MEM_TYPE_32 = 0x0;
    private static final int MEM_TYPE_1M = 0x2;
    private static final int MEM_TYPE_64 = 0x4;
    private static final long ROM_ADDRESS_MASK = ~0x7FFL;

    static void bars(FunctionSnapshot f, int count, int verbosity, Out out) {
        int cmd = f.u16(PciConfig.COMMAND);
        for (int i = 0; i < count; i++) {
            FunctionSnapshot.Resource r = f.resource(i);
            long pos = r == null ? 0 : r.baseAddr();
            long len = r == null ? 0 : r.size();
            long flg = f.u32(PciConfig.BAR0 + 4 * i);
            if (flg == 0xFFFF_FFFFL) {
                flg = 0;
            }
            if (pos == 0 && flg == 0 && len == 0) {
                continue;
            }
            out.print(verbosity > 1 ? "\tRegion " + i + ": " : "\t");
            long hwLower;
            long hwUpper = 0;
            boolean broken = false;
            if ((flg & PciConfig.BAR_SPACE_IO) != 0) {
                hwLower = flg & IO_MASK;
            } else {
                hwLower = flg & MEM_MASK;
                if ((flg & MEM_TYPE_MASK) == MEM_TYPE_64) {
                    if (i >= count - 1) {
                        broken = true;
                    } else {
                        i++;
                        hwUpper = f.u32(PciConfig.BAR0 + 4 * i);
                    }
                }
            }
            boolean virtual = pos != 0 && hwLower == 0 && hwUpper == 0;
            if (virtual) {
                flg = pos;
            }
            if ((flg & PciConfig.BAR_SPACE_IO) != 0) {
                long a = pos & IO_MASK;
                out.print("I/O ports at ");
                if (a != 0 || (cmd & PciConfig.COMMAND_IO) != 0) {
                    out.printf("%04x", a);
                } else {
                    out.print(hwLower != 0 ? "<ignored>" : "<unassigned>");
                }
                if (virtual) {
                    out.print(" [virtual]");
                } else if ((cmd & PciConfig.COMMAND_IO) == 0) {
                    out.print(" [disabled]");
                }
            } else {
                int t = (int) flg & MEM_TYPE_MASK;
                long a = pos & MEM_MASK;
                out.print("Memory at ");
                if (broken) {
                    out.print("<broken-64-bit-slot>");
                } else if (a != 0) {
                    out.printf("%08x", a);
                } else {
                    out.print(hwLower != 0 || hwUpper != 0 ? "<ignored>" : "<unassigned>");
                }
                out.printf(" (%s, %sprefetchable)",
                        t == MEM_TYPE_32 ? "32-bit" : t == MEM_TYPE_64 ? "64-bit" : t == MEM_TYPE_1M ? "low-1M" : "type 3",
                        (flg & PciConfig.BAR_MEM_PREFETCH) != 0 ? "" : "non-");
                if (virtual) {
                    out.print(" [virtual]");
                } else if ((cmd & PciConfig.COMMAND_MEMORY) == 0) {
                    out.print(" [disabled]");
                }
            }
            out.print(Out.size(len)).print("\n");
        }
    }

    /** The expansion ROM at {@code register} (0x30, or 0x38 in a bridge header). */
    static void rom(FunctionSnapshot f, int register, Out out) {
        FunctionSnapshot.Resource r = f.resource(6);
        long rom = r == null ? 0 : r.baseAddr();
        long len = r == null ? 0 : r.size();
        long flg = f.u32(register);
        int cmd = f.u16(PciConfig.COMMAND);
        if (rom == 0 && flg == 0 && len == 0) {
            return;
        }
        boolean virtual = false;
        if ((rom & ROM_ADDRESS_MASK) != 0 && (flg & ROM_ADDRESS_MASK) == 0) {
            flg = rom;
            virtual = true;
        }
        out.print("\tExpansion ROM at ");
        if ((rom & ROM_ADDRESS_MASK) != 0) {
            out.printf("%08x", rom & ROM_ADDRESS_MASK);
        } else {
            out.print((flg & ROM_ADDRESS_MASK) != 0 ? "<ignored>" : "<unassigned>");
        }
        if (virtual) {
            out.print(" [virtual]");
        }
        if ((flg & PciConfig.ROM_ENABLE) == 0) {
            out.print(" [disabled]");
        } else if (!virtual && (cmd & PciConfig.COMMAND_MEMORY) == 0) {
            out.print(" [disabled by cmd]");
        }
        out.print(Out.size(len)).print("\n");
    }
}
