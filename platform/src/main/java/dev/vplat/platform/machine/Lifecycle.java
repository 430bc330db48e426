package dev.vplat.platform.machine;

/**
 * Lifecycle of anything a machine holds, after QEMU's realize/reset/unrealize: realize once the
 * whole machine is assembled, reset on every system reset (and after realize), unrealize when
 * the machine is torn down.
 */
public interface Lifecycle {
    default void realize() {
    }

    default void reset() {
    }

    default void unrealize() {
    }
}
