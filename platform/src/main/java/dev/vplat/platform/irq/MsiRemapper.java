package dev.vplat.platform.irq;

/**
 * Where an interrupt remapping unit (VT-d IR) sits: it sees each MSI before delivery and
 * returns the message to deliver, or null to block it (a remapping fault). Implementations
 * pass through messages from requesters outside their scope unchanged.
 */
@FunctionalInterface
public interface MsiRemapper {
    MsiMessage remap(MsiMessage message);
}
