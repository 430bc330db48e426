package dev.vplat.guest.junit;

import dev.vplat.vfio.platform.Platform;

/**
 * Adds to a platform before it is served: a device model a test brings along, a trace sink, a
 * topology the option strings cannot express. Implementations need a public no-argument
 * constructor; {@link VplatTest#setup()} names them.
 */
@FunctionalInterface
public interface PlatformSetup {
    void setup(Platform platform);
}
