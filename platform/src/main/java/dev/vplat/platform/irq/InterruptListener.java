package dev.vplat.platform.irq;

/** Observer of interrupts that reach the interrupt controller (a CPU, or a watching session). */
public interface InterruptListener {
    void onMsi(MsiMessage message);

    /** An INTx line changed level; {@code pin} is 1..4 for INTA..INTD. */
    default void onIntx(int requesterId, int pin, boolean level) {
    }
}
