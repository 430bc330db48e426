package dev.vplat.vfio.cli;

import dev.vplat.vfio.platform.MachineAccess;
import dev.vplat.vfio.platform.Platform;
import dev.vplat.vfio.platform.PlatformConfig;
import dev.vplat.vfio.platform.Platforms;

/** A fresh machine built in this process and driven from this thread, through the same {@link MachineAccess} as the server. */
final class EmbeddedLink implements MachineLink {
    private final Platform platform;

    EmbeddedLink(PlatformConfig config) {
        platform = Platforms.create(config);
    }

    @Override
    public String machineInfo() {
        return platform.machineInfo();
    }

    @Override
    public byte[] memRead(long addr, int size) {
        return platform.access().readBytes(addr, size);
    }

    @Override
    public void memWrite(long addr, byte[] data) {
        platform.access().writeBytes(addr, data);
    }

    @Override
    public long pioRead(int port, int width) {
        return platform.access().pioRead(port, width);
    }

    @Override
    public void pioWrite(int port, int width, long value) {
        platform.access().pioWrite(port, width, value);
    }

    @Override
    public void close() {
        platform.close();
    }
}
