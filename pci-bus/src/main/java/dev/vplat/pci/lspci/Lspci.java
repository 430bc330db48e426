package dev.vplat.pci.lspci;

import dev.vplat.pci.BarInfo;
import dev.vplat.pci.PciBridge;
import dev.vplat.pci.PciBus;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.PciHost;
import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.sdk.BarKind;
import dev.vplat.pci.sdk.PcieType;

import java.util.List;
import java.util.Locale;

/**
 * Renders functions the way pciutils' {@code lspci} prints them without a pci.ids database:
 * {@code -x}/{@code -xxx}/{@code -xxxx} hex dumps, {@code -v}/{@code -vv} decoded headers and
 * capabilities, and the {@code -t} tree (same drawing algorithm as pciutils ls-tree.c).
 * Everything is read through config space, as lspci reads sysfs {@code config}.
 */
public final class Lspci {
    private Lspci() {
    }

    // ---------------------------------------------------------------- -x

    /** The title line followed by a hex dump of the first {@code bytes} bytes (64, 256 or 4096). */
    public static String hexDump(PciFunction f, int bytes) {
        StringBuilder sb = new StringBuilder(title(f)).append('\n');
        int n = Math.min(bytes, f.configSize());
        for (int row = 0; row < n; row += 16) {
            sb.append(String.format(Locale.ROOT, "%02x:", row));
            for (int i = 0; i < 16; i++) {
                sb.append(String.format(Locale.ROOT, " %02x", f.configRead(row + i, 1)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** {@code 00:03.0 Unclassified device [00ff]: Device 1234:11e8 (rev 10)}. */
    public static String title(PciFunction f) {
        int rev = (int) f.configRead(PciConfig.REVISION_ID, 1);
        int cls = f.classCode() >>> 8;
        int progIf = f.classCode() & 0xFF;
        return String.format(Locale.ROOT, "%s %s [%04x]: Device %04x:%04x%s%s", f.requesterId(), className(cls), cls,
                f.vendorId(), f.deviceId(), rev != 0 ? String.format(Locale.ROOT, " (rev %02x)", rev) : "",
                progIf != 0 ? String.format(Locale.ROOT, " (prog-if %02x)", progIf) : "");
    }

    static String className(int cls) {
        switch (cls) {
            case 0x0000: return "Non-VGA unclassified device";
            case 0x0600: return "Host bridge";
            case 0x0601: return "ISA bridge";
            case 0x0604: return "PCI bridge";
            case 0x0880: return "System peripheral";
            case 0x0200: return "Ethernet controller";
            case 0x0106: return "SATA controller";
            case 0x0108: return "Non-Volatile memory controller";
            default: break;
        }
        switch (cls >>> 8) {
            case 0x00: return "Unclassified device";
            case 0x01: return "Mass storage controller";
            case 0x02: return "Network controller";
            case 0x03: return "Display controller";
            case 0x06: return "Bridge";
            case 0x08: return "Generic system peripheral";
            case 0xFF: return "Unassigned class";
            default: return "Class " + String.format(Locale.ROOT, "%04x", cls);
        }
    }

    // ---------------------------------------------------------------- -v / -vv

    /** {@code lspci -v} (level 1) or {@code -vv} (level 2) of one function. */
    public static String verbose(PciFunction f, int level) {
        StringBuilder sb = new StringBuilder(title(f)).append('\n');
        int header = PciConfig.headerType((int) f.configRead(PciConfig.HEADER_TYPE, 1));
        int command = (int) f.configRead(PciConfig.COMMAND, 2);
        int status = (int) f.configRead(PciConfig.STATUS, 2);
        int pin = (int) f.configRead(PciConfig.INTERRUPT_PIN, 1);
        int line = (int) f.configRead(PciConfig.INTERRUPT_LINE, 1);
        if (header == PciConfig.HEADER_TYPE_NORMAL) {
            sb.append(String.format(Locale.ROOT, "\tSubsystem: Device %04x:%04x\n",
                    f.configRead(PciConfig.SUBSYSTEM_VENDOR_ID, 2), f.configRead(PciConfig.SUBSYSTEM_ID, 2)));
        }
        if (level >= 2) {
            sb.append("\tControl: I/O").append(pm(command & PciConfig.COMMAND_IO)).append(" Mem")
                    .append(pm(command & PciConfig.COMMAND_MEMORY)).append(" BusMaster").append(pm(command & PciConfig.COMMAND_MASTER))
                    .append(" SpecCycle- MemWINV- VGASnoop- ParErr").append(pm(command & PciConfig.COMMAND_PARITY))
                    .append(" Stepping- SERR").append(pm(command & PciConfig.COMMAND_SERR)).append(" FastB2B- DisINTx")
                    .append(pm(command & PciConfig.COMMAND_INTX_DISABLE)).append('\n');
            sb.append("\tStatus: Cap").append(pm(status & PciConfig.STATUS_CAP_LIST)).append(" 66MHz- UDF- FastB2B- ParErr")
                    .append(pm(status & PciConfig.STATUS_DETECTED_PARITY)).append(" DEVSEL=fast >TAbort")
                    .append(pm(status & PciConfig.STATUS_SIG_TARGET_ABORT)).append(" <TAbort")
                    .append(pm(status & PciConfig.STATUS_REC_TARGET_ABORT)).append(" <MAbort")
                    .append(pm(status & PciConfig.STATUS_REC_MASTER_ABORT)).append(" >SERR")
                    .append(pm(status & PciConfig.STATUS_SIG_SYSTEM_ERROR)).append(" <PERR- INTx")
                    .append(pm(status & PciConfig.STATUS_INTERRUPT)).append('\n');
            if ((command & PciConfig.COMMAND_MASTER) != 0) {
                sb.append(String.format(Locale.ROOT, "\tLatency: %d\n", f.configRead(PciConfig.LATENCY_TIMER, 1)));
            }
            if (pin != 0) {
                sb.append(String.format(Locale.ROOT, "\tInterrupt: pin %c routed to IRQ %d\n", (char) ('A' + pin - 1), line));
            }
        } else {
            sb.append("\tFlags: ").append((command & PciConfig.COMMAND_MASTER) != 0 ? "bus master, " : "")
                    .append("fast devsel").append((command & PciConfig.COMMAND_MASTER) != 0
                            ? ", latency " + f.configRead(PciConfig.LATENCY_TIMER, 1) : "")
                    .append(pin != 0 && line != 0 && line != 0xFF ? ", IRQ " + line : "").append('\n');
        }
        for (BarInfo b : f.bars()) {
            sb.append('\t').append(bar(b, command, level)).append('\n');
        }
        if (f instanceof PciBridge br) {
            sb.append(String.format(Locale.ROOT, "\tBus: primary=%02x, secondary=%02x, subordinate=%02x, sec-latency=%d\n",
                    br.primaryBusNumber(), br.secondaryBusNumber(), br.subordinateBusNumber(),
                    f.configRead(PciConfig.SEC_LATENCY_TIMER, 1)));
            sb.append("\tMemory behind bridge: forwarded (windows not modelled)\n");
        }
        Capabilities.render(f, level, sb);
        return sb.toString();
    }

    private static String bar(BarInfo b, int command, int level) {
        String where = b.address() == 0 ? "<unassigned>" : Long.toHexString(b.address());
        StringBuilder sb = new StringBuilder();
        if (b.index() == BarInfo.ROM_INDEX) {
            sb.append("Expansion ROM at ").append(where);
            if (!b.decoding()) {
                sb.append(" [disabled]");
            }
            return sb.append(" [size=").append(size(b.size())).append(']').toString();
        }
        if (level >= 2) {
            sb.append("Region ").append(b.index()).append(": ");
        }
        boolean enabled = b.kind() == BarKind.IO ? (command & PciConfig.COMMAND_IO) != 0 : (command & PciConfig.COMMAND_MEMORY) != 0;
        if (b.kind() == BarKind.IO) {
            sb.append("I/O ports at ").append(where);
        } else {
            sb.append("Memory at ").append(where).append(" (").append(b.kind() == BarKind.MEMORY64 ? "64-bit" : "32-bit")
                    .append(b.prefetchable() ? ", prefetchable)" : ", non-prefetchable)");
        }
        if (!enabled) {
            sb.append(" [disabled]");
        }
        return sb.append(" [size=").append(size(b.size())).append(']').toString();
    }

    /** pciutils' size format: 16, 4K, 1M, 8G. */
    static String size(long bytes) {
        String[] units = {"", "K", "M", "G", "T"};
        int u = 0;
        long v = bytes;
        while (v >= 1024 && v % 1024 == 0 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return v + units[u];
    }

    static String pm(int bit) {
        return bit != 0 ? "+" : "-";
    }

    static String pcieTypeName(PcieType t) {
        switch (t) {
            case ENDPOINT: return "Endpoint";
            case LEGACY_ENDPOINT: return "Legacy Endpoint";
            case ROOT_PORT: return "Root Port (Slot+)";
            case UPSTREAM_PORT: return "Upstream Port";
            case DOWNSTREAM_PORT: return "Downstream Port (Slot+)";
            case PCIE_TO_PCI_BRIDGE: return "PCI-Express to PCI/PCI-X Bridge";
            case PCI_TO_PCIE_BRIDGE: return "PCI/PCI-X to PCI-Express Bridge";
            case RC_INTEGRATED_ENDPOINT: return "Root Complex Integrated Endpoint";
            default: return "Root Complex Event Collector";
        }
    }

    // ---------------------------------------------------------------- -t

    /** {@code lspci -t}: the reachable hierarchy (bridges without programmed bus numbers end their branch). */
    public static String tree(PciHost host) {
        StringBuilder out = new StringBuilder();
        char[] line = new char[4096];
        String head = "-[0000:00]-";
        head.getChars(0, head.length(), line, 0);
        showBus(host.rootBus(), line, head.length(), out);
        return out.toString();
    }

    private static void showBus(PciBus bus, char[] line, int p, StringBuilder out) {
        List<PciFunction> devs = bus.functions();
        if (devs.isEmpty()) {
            printLine(line, p, out);
        } else if (devs.size() == 1) {
            line[p] = '-';
            line[p + 1] = '-';
            showDev(devs.get(0), line, p + 2, out);
        } else {
            for (int i = 0; i < devs.size(); i++) {
                line[p] = i == devs.size() - 1 ? '\\' : '+';
                line[p + 1] = '-';
                showDev(devs.get(i), line, p + 2, out);
            }
        }
    }

    private static void showDev(PciFunction f, char[] line, int p, StringBuilder out) {
        String name = String.format(Locale.ROOT, "%02x.%x", f.devfn() >>> 3, f.devfn() & 7);
        name.getChars(0, name.length(), line, p);
        p += name.length();
        if (f instanceof PciBridge b && b.secondaryBusNumber() != 0) {
            String range = b.secondaryBusNumber() == b.subordinateBusNumber()
                    ? String.format(Locale.ROOT, "-[%02x]-", b.secondaryBusNumber())
                    : String.format(Locale.ROOT, "-[%02x-%02x]-", b.secondaryBusNumber(), b.subordinateBusNumber());
            range.getChars(0, range.length(), line, p);
            p += range.length();
            line[p++] = '-';
            showBus(b.secondaryBus(), line, p, out);
            return;
        }
        printLine(line, p, out);
    }

    /** pciutils print_it: emit the line, then keep only the vertical connectors for the next one. */
    private static void printLine(char[] line, int p, StringBuilder out) {
        out.append(line, 0, p).append('\n');
        for (int i = 0; i < p; i++) {
            line[i] = line[i] == '+' || line[i] == '|' ? '|' : ' ';
        }
    }
}
