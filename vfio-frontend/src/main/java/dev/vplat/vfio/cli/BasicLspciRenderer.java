package dev.vplat.vfio.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The built-in lspci output, in {@code lspci -n}'s numeric form ({@code 00:03.0 00ff: 1234:11e8}),
 * with the vplat type name, host driver, IOMMU group and VFIO node for {@code -v}, the first 64
 * bytes of configuration space for {@code -x} as lspci prints them, and a bus tree for {@code -t}.
 */
public final class BasicLspciRenderer implements LspciRenderer {
    @Override
    public void render(List<PciFunction> functions, ConfigSpace config, Options options, PrintWriter out) {
        if (options.tree()) {
            tree(functions, out);
            return;
        }
        for (PciFunction f : functions) {
            out.printf("%s %04x: %04x:%04x%s%n", f.bdf().substring(5), f.classCode() >> 8, f.vendor(), f.device(),
                    f.type() == null ? "" : " (" + f.type() + ")");
            if (options.verbosity() > 0) {
                if (f.iommu() != null || f.group() != null) {
                    out.printf("\tIOMMU group: %s%s%n", f.group() == null ? "-" : f.group(),
                            f.iommu() == null ? "" : " (" + f.iommu() + ")");
                }
                out.println("\tKernel driver in use: " + (f.driver() == null ? "(none)" : f.driver()));
                if (f.vfio() != null) {
                    out.println("\tVFIO device: " + f.vfio());
                }
            }
            if (options.hex()) {
                for (int off = 0; off < 64; off += 16) {
                    StringBuilder b = new StringBuilder(String.format("%02x:", off));
                    for (int i = 0; i < 16; i += 4) {
                        long dword = config.read(f, off + i, 4);
                        for (int k = 0; k < 4; k++) {
                            b.append(String.format(" %02x", (dword >>> (8 * k)) & 0xFF));
                        }
                    }
                    out.println(b);
                }
            }
            if (options.verbosity() > 0 || options.hex()) {
                out.println();
            }
        }
    }

    private static void tree(List<PciFunction> functions, PrintWriter out) {
        Map<String, List<String>> byBus = new TreeMap<>();
        for (PciFunction f : functions) {
            byBus.computeIfAbsent(f.bdf().substring(0, 7), k -> new java.util.ArrayList<>())
                    .add(f.bdf().substring(8));
        }
        for (Map.Entry<String, List<String>> e : byBus.entrySet()) {
            String head = "-[" + e.getKey() + "]-";
            List<String> devs = e.getValue();
            for (int i = 0; i < devs.size(); i++) {
                String branch = devs.size() == 1 ? "-" : i == 0 ? "+-" : i == devs.size() - 1 ? "\\-" : "+-";
                out.println((i == 0 ? head : " ".repeat(head.length())) + branch + devs.get(i));
            }
        }
    }
}
