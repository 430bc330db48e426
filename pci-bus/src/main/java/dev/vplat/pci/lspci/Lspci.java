package dev.vplat.pci.lspci;

import dev.vplat.pci.config.PciConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * Renders functions the way pciutils' {@code lspci} prints them without a vendor/device
 * database: the terse list, {@code -v}/{@code -vv} (lspci.c show_verbose, ls-caps.c, ls-ecaps.c,
 * ls-kernel.c), {@code -x}/{@code -xxx}/{@code -xxxx} hex dumps (lspci.c show_hex_dump) and the
 * {@code -t} tree (ls-tree.c). Input is {@link FunctionSnapshot}s — raw config bytes plus the OS's
 * view — so functions of this process and functions read over the wire render alike. The
 * wording follows pciutils 3.6; numbers that pciutils takes from sysfs (IRQ) come from the
 * Interrupt Line register, as with pciutils' direct config access methods (lib/generic.c).
 */
public final class Lspci {
    private Lspci() {
    }

    /** The whole output of {@code lspci} with {@code options}: the tree, or every function in bus order. */
    public static String render(List<FunctionSnapshot> functions, LspciOptions options) {
        if (options.tree()) {
            return Tree.render(functions, options.verbosity());
        }
        List<FunctionSnapshot> sorted = new ArrayList<>(functions);
        sorted.sort(FunctionSnapshot.ORDER);
        StringBuilder sb = new StringBuilder();
        for (FunctionSnapshot f : sorted) {
            sb.append(device(f, options));
        }
        return sb.toString();
    }

    /** One function as lspci.c show_device prints it, with the blank line that ends a verbose or hex block. */
    public static String device(FunctionSnapshot f, LspciOptions options) {
        Out out = new Out();
        if (options.verbosity() > 0) {
            verbose(f, options.verbosity(), out);
        } else {
            out.print(title(f, 0)).print("\n");
        }
        if (options.hex() > 0) {
            hexDump(f, options.hex(), out);
        }
        if (options.verbosity() > 0 || options.hex() > 0) {
            out.print("\n");
        }
        return out.toString();
    }

    /**
     * lspci.c show_terse's first line, {@code 00:03.0 Unclassified device [00ff]: Device 1234:11e8 (rev 10)};
     * with {@code -v} the programming interface follows when non-zero.
     */
    public static String title(FunctionSnapshot f, int verbosity) {
        Out out = new Out().printf("%s %s: %s", f.slot(), Names.deviceClass(f.deviceClass()),
                Names.device(f.vendorId(), f.deviceId()));
        int rev = f.u8(PciConfig.REVISION_ID);
        if (rev != 0) {
            out.printf(" (rev %02x)", rev);
        }
        int progIf = f.u8(PciConfig.CLASS_PROG);
        if (verbosity > 0 && progIf != 0) {
            out.printf(" (prog-if %02x)", progIf);
        }
        return out.toString();
    }

    private static void hexDump(FunctionSnapshot f, int level, Out out) {
        int count = f.headerType() == 2 ? 128 : 64;
        if (level >= 3) {
            count = level >= 4 ? f.configSize() : 256;
        }
        for (int i = 0; i < count; i++) {
            if ((i & 15) == 0) {
                out.printf("%02x:", i);
            }
            out.printf(" %02x", f.u8(i));
            if ((i & 15) == 15) {
                out.print("\n");
            }
        }
    }

    private static void verbose(FunctionSnapshot f, int verbosity, Out out) {
        out.print(title(f, verbosity)).print("\n");
        int htype = f.headerType();
        int cls = f.deviceClass();
        int maxLat = 0;
        int minGnt = 0;
        switch (htype) {
            case PciConfig.HEADER_TYPE_NORMAL:
                if (cls == 0x0604) {
                    out.printf("\t!!! Invalid class %04x for header type %02x\n", cls, htype);
                }
                maxLat = f.u8(0x3F);
                minGnt = f.u8(0x3E);
                int subVendor = f.u16(PciConfig.SUBSYSTEM_VENDOR_ID);
                if (subVendor != 0 && subVendor != 0xFFFF) {
                    out.printf("\tSubsystem: %s\n", Names.device(subVendor, f.u16(PciConfig.SUBSYSTEM_ID)));
                }
                break;
            case PciConfig.HEADER_TYPE_BRIDGE:
                if ((cls >>> 8) != 0x06) {
                    out.printf("\t!!! Invalid class %04x for header type %02x\n", cls, htype);
                }
                break;
            default:
                out.printf("\t!!! Unknown header type %02x\n", htype);
                return;
        }
        Header.controlAndStatus(f, verbosity, minGnt, maxLat, out);
        if (htype == PciConfig.HEADER_TYPE_NORMAL) {
            Regions.bars(f, 6, verbosity, out);
            Regions.rom(f, PciConfig.ROM_ADDRESS, out);
        } else {
            Regions.bars(f, 2, verbosity, out);
            Header.bridge(f, verbosity, out);
        }
        Capabilities.render(f, verbosity, out);
        if (f.driver() != null) {
            out.printf("\tKernel driver in use: %s\n", f.driver());
        }
    }
}
