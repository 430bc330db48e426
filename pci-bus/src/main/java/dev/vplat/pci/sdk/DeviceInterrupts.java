package dev.vplat.pci.sdk;

/**
 * A function's interrupt sources. {@link #notify(int)} sends vector N through whichever message
 * mechanism the driver enabled (MSI-X first, then MSI), applying the capability's masks: a
 * masked vector sets its pending bit and is sent when unmasked. INTx is a level the device
 * holds; the bus applies Command.InterruptDisable and reflects the level in Status.Interrupt.
 */
public interface DeviceInterrupts {
    /**
     * Signals message vector {@code vector}.
     *
     * @return false when neither MSI-X nor MSI is enabled (nothing sent; use INTx), or the vector
     *     is outside what the driver enabled
     */
    boolean notify(int vector);

    /** Whether the driver has enabled MSI (and not MSI-X, which takes precedence). */
    boolean msiEnabled();

    /** Whether the driver has enabled MSI-X. */
    boolean msixEnabled();

    /**
     * Sets the device's INTx level (assert = true). INTx is level-triggered: the device keeps it
     * asserted until the driver has acknowledged the cause (typically a write-1-to-clear status
     * register), then deasserts it.
     */
    void setIntx(boolean asserted);
}
