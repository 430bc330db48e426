package dev.vplat.pci.lspci;

import dev.vplat.pci.config.PciConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code lspci -t}, built the way pciutils ls-tree.c grows its forest: every bridge (a 06xx
 * function with a type 1 header) owns its secondary bus and claims the buses in its
 * [secondary, subordinate] range; each function lands on the bus of the bridge that claims its
 * bus number, or on a bus of its own under the host when none does. Then the tree is drawn with
 * ls-tree.c's connectors ({@code +-}, {@code \-}, {@code |}) and {@code -[bb]-} /
 * {@code -[bb-ss]-} after each bridge.
 */
final class Tree {
    private Tree() {
    }

    private static final class Bridge {
        final FunctionSnapshot device;
        final long primary;
        final long secondary;
        final long subordinate;
        /** ls-tree.c links children by prepending, so the latest bridge is tried first. */
        final List<Bridge> children = new ArrayList<>();
        final List<Bus> buses = new ArrayList<>();

        Bridge(FunctionSnapshot device, long primary, long secondary, long subordinate) {
            this.device = device;
            this.primary = primary;
            this.secondary = secondary;
            this.subordinate = subordinate;
        }

        Bus bus(int number) {
            for (Bus b : buses) {
                if (b.number == number) {
                    return b;
                }
            }
            return null;
        }
    }

    private static final class Bus {
        final int number;
        final List<FunctionSnapshot> devices = new ArrayList<>();

        Bus(int number) {
            this.number = number;
        }
    }

    static String render(List<FunctionSnapshot> functions, int verbosity) {
        List<FunctionSnapshot> sorted = new ArrayList<>(functions);
        sorted.sort(FunctionSnapshot.ORDER);
        /* The host bridge: primary ~0, secondary 0, subordinate ~0 (ls-tree.c host_bridge). */
        Bridge host = new Bridge(null, 0xFFFF_FFFFL, 0, 0xFFFF_FFFFL);
        List<Bridge> chain = new ArrayList<>();
        chain.add(host);
        for (FunctionSnapshot f : sorted) {
            if ((f.deviceClass() >>> 8) == 0x06 && f.headerType() == PciConfig.HEADER_TYPE_BRIDGE) {
                chain.add(new Bridge(f, f.u8(PciConfig.PRIMARY_BUS), f.u8(PciConfig.SECONDARY_BUS),
                        f.u8(PciConfig.SUBORDINATE_BUS)));
            }
        }
        for (Bridge b : chain) {
            Bridge best = null;
            for (Bridge c : chain) {
                if (c != b && b.primary >= c.secondary && b.primary <= c.subordinate
                        && (best == null || best.subordinate - best.primary > c.subordinate - c.primary)) {
                    best = c;
                }
            }
            if (best != null) {
                best.children.add(0, b);
            }
        }
        for (Bridge b : chain) {
            if (b.bus((int) b.secondary) == null) {
                b.buses.add(new Bus((int) b.secondary));
            }
        }
        for (FunctionSnapshot f : sorted) {
            insert(f, host);
        }
        Drawing d = new Drawing(chain, verbosity);
        d.bridge(host, 0);
        return d.out.toString();
    }

    private static void insert(FunctionSnapshot f, Bridge b) {
        Bus bus = b.bus(f.bus());
        if (bus == null) {
            for (Bridge c : b.children) {
                if (c.secondary <= f.bus() && f.bus() <= c.subordinate) {
                    insert(f, c);
                    return;
                }
            }
            bus = new Bus(f.bus());
            b.buses.add(bus);
        }
        bus.devices.add(f);
    }

    /** ls-tree.c's line buffer: text is written at a column, printed, then only vertical connectors stay. */
    private static final class Drawing {
        final List<Bridge> chain;
        final int verbosity;
        final StringBuilder out = new StringBuilder();
        final char[] line = new char[1024];

        Drawing(List<Bridge> chain, int verbosity) {
            this.chain = chain;
            this.verbosity = verbosity;
        }

        int put(int p, String text) {
            text.getChars(0, text.length(), line, p);
            return p + text.length();
        }

        void print(int p) {
            out.append(line, 0, p).append('\n');
            for (int i = 0; i < p; i++) {
                line[i] = line[i] == '+' || line[i] == '|' ? '|' : ' ';
            }
        }

        void bridge(Bridge b, int p) {
            p = put(p, "-");
            if (b.buses.size() == 1) {
                Bus only = b.buses.get(0);
                if (b.device == null) {
                    p = put(p, String.format(Locale.ROOT, "[0000:%02x]-", only.number));
                }
                bus(only, p);
                return;
            }
            for (int i = 0; i < b.buses.size(); i++) {
                Bus u = b.buses.get(i);
                String lead = i == b.buses.size() - 1 ? "\\-" : "+-";
                bus(u, put(p, String.format(Locale.ROOT, "%s[0000:%02x]-", lead, u.number)));
            }
        }

        void bus(Bus b, int p) {
            if (b.devices.isEmpty()) {
                print(p);
            } else if (b.devices.size() == 1) {
                device(b.devices.get(0), put(p, "--"));
            } else {
                for (int i = 0; i < b.devices.size(); i++) {
                    device(b.devices.get(i), put(p, i == b.devices.size() - 1 ? "\\-" : "+-"));
                }
            }
        }

        void device(FunctionSnapshot f, int p) {
            p = put(p, String.format(Locale.ROOT, "%02x.%x", f.device(), f.function()));
            for (Bridge b : chain) {
                if (b.device == f) {
                    p = put(p, b.secondary == b.subordinate
                            ? String.format(Locale.ROOT, "-[%02x]-", b.secondary)
                            : String.format(Locale.ROOT, "-[%02x-%02x]-", b.secondary, b.subordinate));
                    bridge(b, p);
                    return;
                }
            }
            if (verbosity > 0) {
                p = put(p, "  " + Names.device(f.vendorId(), f.deviceId()));
            }
            print(p);
        }
    }
}
