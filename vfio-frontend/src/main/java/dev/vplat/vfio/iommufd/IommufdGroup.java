package dev.vplat.vfio.iommufd;

import java.util.ArrayList;
import java.util.List;

/**
 * An IOMMU group as one iommufd context sees it (device.c struct iommufd_group): the devices
 * of the group share one attachment, so the first device's attach switches the whole group to
 * the HWPT's domain, later devices must name the same HWPT, and the last detach returns the
 * group to blocked DMA.
 */
final class IommufdGroup {
    final Object key;
    HwPagetable hwpt;
    final List<IommufdDevice> attached = new ArrayList<>();
    int boundDevices;

    IommufdGroup(Object key) {
        this.key = key;
    }
}
