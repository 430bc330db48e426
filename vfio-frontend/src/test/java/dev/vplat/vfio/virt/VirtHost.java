package dev.vplat.vfio.virt;

import dev.vplat.vfio.testing.UserProcessCalls;

import dev.vplat.iommu.smmuv3.SmmuV3;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.RequesterId;
import dev.vplat.vfio.driver.HostStack;
import dev.vplat.vfio.hostiommu.SmmuV3HostDriver;
import dev.vplat.vfio.kernel.HostKernel;
import dev.vplat.vfio.kernel.Process;
import dev.vplat.vfio.platform.ClockMode;
import dev.vplat.vfio.platform.Platform;
import dev.vplat.vfio.platform.PlatformConfig;
import dev.vplat.vfio.platform.Platforms;
import dev.vplat.vfio.vfio.Vfio;

import java.util.List;


/**
 * The default Arm {@code virt} machine as {@code vplat serve --machine virt} builds it (host-owned
 * SMMUv3 {@code smmu0}, dmatest1 at 01:00.0 behind root port rp0), seen by one unprivileged user
 * process: struct bytes placed in its memory, then the file's ioctl, the path the protocol takes.
 */
final class VirtHost extends UserProcessCalls implements AutoCloseable {
    static final String DMATEST = "0000:01:00.0";

    final Platform platform;
    final HostKernel kernel;
    final HostStack stack;
    final Vfio vfio;
    final SmmuV3 smmu;
    final SmmuV3HostDriver smmuDriver;
    final Process proc;

    VirtHost() {
        this(256L << 20);
    }

    /** The machine with {@code memoryBytes} of RAM from 0x40000000. */
    VirtHost(long memoryBytes) {
        platform = Platforms.create(new PlatformConfig("virt", List.of(), List.of(), memoryBytes, false, "",
                ClockMode.VIRTUAL, false, List.of()));
        kernel = platform.kernel();
        stack = kernel.service(HostStack.class);
        vfio = kernel.service(Vfio.class);
        smmu = platform.machine().components(SmmuV3.class).get(0);
        smmuDriver = stack.smmuDriver(smmu.name());
        proc = kernel.spawn(false);
    }

    /** sysfs: unbind the device's DMA-API driver and bind vfio-pci. */
    void toVfio(String bdf) {
        stack.drivers().unbind(bdf);
        stack.drivers().bind(bdf + " vfio-pci");
    }

    PciFunction function(String bdf) {
        return platform.machine().components(dev.vplat.pci.PciHost.class).get(0).function(RequesterId.parse(bdf));
    }

    @Override
    protected HostKernel kernel() {
        return kernel;
    }

    @Override
    protected Process process() {
        return proc;
    }

    @Override
    public void close() {
        platform.close();
    }
}
