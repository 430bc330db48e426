package dev.vplat.pci;

/**
 * Told when a function is fenced because its device model threw at run time (its BARs then read
 * all-ones and drop writes). Called on the machine thread, from inside the access that failed:
 * a listener records or forwards the news and must not touch the function's BARs itself.
 */
@FunctionalInterface
public interface FenceListener {
    /** {@code why} names the access that failed and the exception. */
    void fenced(PciFunction function, String why);
}
