package dev.vplat.vfio.cli;

import dev.vplat.vfio.platform.MachineAccess;
import dev.vplat.vfio.server.ListenAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

@Command(name = "peek", description = {"Read guest-physical memory of a running server (MEM_READ).",
        "Sizes 1, 2, 4, 8 at an aligned address are one access (MMIO semantics) and print as a value;",
        "other sizes print as a hex dump."})
final class PeekCommand implements Callable<Integer> {
    @Mixin
    TargetOptions target;

    @Parameters(index = "0", paramLabel = "ADDR", converter = NumberConverter.class, description = "Address, e.g. 0xfed90000.")
    long addr;

    @Parameters(index = "1", paramLabel = "SIZE", defaultValue = "4", converter = NumberConverter.class,
            description = "Bytes to read (default: ${DEFAULT-VALUE}).")
    long size;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (size < 1 || size > (16 << 20)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "SIZE must be 1..16777216");
        }
        byte[] data;
        try (MachineLink link = target.connect(ListenAddress.DEFAULT)) {
            data = link.memRead(addr, (int) size);
        }
        print(spec.commandLine().getOut(), addr, data);
        return 0;
    }

    static void print(PrintWriter out, long addr, byte[] data) {
        if (MachineAccess.isSingleAccess(addr, data.length)) {
            long v = 0;
            for (int i = 0; i < data.length; i++) {
                v |= (data[i] & 0xFFL) << (8 * i);
            }
            out.printf("0x%0" + (data.length * 2) + "x%n", v);
            return;
        }
        for (int line = 0; line < data.length; line += 16) {
            StringBuilder b = new StringBuilder(String.format("%016x:", addr + line));
            for (int i = line; i < Math.min(line + 16, data.length); i++) {
                b.append(String.format(" %02x", data[i] & 0xFF));
            }
            out.println(b);
        }
    }
}
