package dev.vplat.vfio.cli;

import dev.vplat.vfio.server.JsonReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;

@Command(name = "lspci", description = {"List PCI functions like pciutils' lspci, of a running server (--target)",
        "or of a fresh machine built from the machine options. Config space is read through ECAM",
        "(MMIO), or through 0xCF8/0xCFC on a machine without one."})
final class LspciCommand implements Callable<Integer> {
    /** PCI configuration mechanism #1 (PCI Local Bus 3.0 §3.2.2.3.2): address at 0xCF8, data at 0xCFC..0xCFF. */
    static final int CONFIG_ADDRESS = 0xCF8;
    static final int CONFIG_DATA = 0xCFC;
    /** The MACHINE_INFO memory entry of the ECAM window (PCIe Base spec §7.2.2: bus << 20 | devfn << 12 | offset). */
    static final String ECAM_REGION = "pcie-mmcfg";
    static final int ECAM_FUNCTION_SIZE = 4096;
    static final int CONF1_SIZE = 256;

    @Mixin
    TargetOptions target;

    @Mixin
    MachineOptions machine;

    @Option(names = "-t", description = "Show a tree of buses and devices (-tv: with device IDs).")
    boolean tree;

    @Option(names = "-v", description = "Be verbose (-vv: decode everything).")
    boolean[] verbose = new boolean[0];

    @Option(names = "-x", description = "Hex dump of the first 64 bytes of config space (-xxx: 256, -xxxx: 4096).")
    boolean[] hex = new boolean[0];

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (MachineLink link = target.open(machine, spec.commandLine())) {
            String info = link.machineInfo();
            renderer().render(PciFunction.fromMachineInfo(info), configSpace(link, info),
                    new LspciRenderer.Options(tree, verbose.length, hex.length), spec.commandLine().getOut());
        }
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** Reads config space through the machine's ECAM window, or through mechanism #1 without one. */
    static LspciRenderer.ConfigSpace configSpace(MachineLink link, String machineInfo) {
        Long ecam = ecamBase(machineInfo);
        if (ecam != null) {
            return f -> link.memRead(ecam + ((long) f.bus() << 20 | (long) f.slot() << 15 | (long) f.function() << 12),
                    ECAM_FUNCTION_SIZE);
        }
        return f -> {
            byte[] bytes = new byte[CONF1_SIZE];
            for (int offset = 0; offset < CONF1_SIZE; offset += 4) {
                link.pioWrite(CONFIG_ADDRESS, 4, 0x8000_0000L | (f.bus() << 16) | (f.slot() << 11) | (f.function() << 8) | offset);
                long dword = link.pioRead(CONFIG_DATA, 4);
                for (int k = 0; k < 4; k++) {
                    bytes[offset + k] = (byte) (dword >>> (8 * k));
                }
            }
            return bytes;
        };
    }

    @SuppressWarnings("unchecked")
    private static Long ecamBase(String machineInfo) {
        if (JsonReader.parseObject(machineInfo).get("memory") instanceof List<?> regions) {
            for (Object o : regions) {
                Map<String, Object> r = (Map<String, Object>) o;
                if (ECAM_REGION.equals(r.get("name")) && r.get("base") instanceof String base) {
                    return NumberConverter.parse(base);
                }
            }
        }
        return null;
    }

    static LspciRenderer renderer() {
        return ServiceLoader.load(LspciRenderer.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no LspciRenderer registered in META-INF/services"));
    }
}
