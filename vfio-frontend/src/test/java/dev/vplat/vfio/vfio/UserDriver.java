package dev.vplat.vfio.vfio;

import dev.vplat.vfio.testing.UserDriverCalls;

import dev.vplat.vfio.iommufd.Iommufd;

/** The calls a user-space driver makes, each as the struct bytes and ioctl the uAPI defines. */
final class UserDriver extends UserDriverCalls {

    private final VfioBed bed;

    UserDriver(VfioBed bed) {
        super(bed);
        this.bed = bed;
    }

    /** Moves {@code bdf} to vfio-pci and returns its cdev fd, bound to a fresh iommufd. */
    int boundDevice(String bdf) {
        bed.toVfio(bdf);
        int dev = bed.open(bed.vfio.cdevPath(bdf));
        bind(dev, bed.open(Iommufd.PATH));
        return dev;
    }

}
