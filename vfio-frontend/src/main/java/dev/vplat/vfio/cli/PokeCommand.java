package dev.vplat.vfio.cli;

import dev.vplat.vfio.server.ListenAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "poke", description = "Write a value to guest-physical memory of a running server (MEM_WRITE, little-endian).")
final class PokeCommand implements Callable<Integer> {
    @Mixin
    TargetOptions target;

    @Parameters(index = "0", paramLabel = "ADDR", converter = NumberConverter.class, description = "Address.")
    long addr;

    @Parameters(index = "1", paramLabel = "VALUE", converter = NumberConverter.class, description = "Value.")
    long value;

    @Option(names = "--size", defaultValue = "4", paramLabel = "1|2|4|8", description = "Access width in bytes (default: ${DEFAULT-VALUE}).")
    int size;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new ParameterException(spec.commandLine(), "--size must be 1, 2, 4 or 8");
        }
        if (size < 8 && (value >>> (size * 8)) != 0) {
            throw new ParameterException(spec.commandLine(), String.format("0x%x does not fit in %d bytes", value, size));
        }
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (value >>> (8 * i));
        }
        try (MachineLink link = target.connect(ListenAddress.DEFAULT)) {
            link.memWrite(addr, data);
        }
        return 0;
    }
}
