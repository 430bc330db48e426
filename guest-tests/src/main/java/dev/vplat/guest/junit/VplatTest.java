package dev.vplat.guest.junit;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a test class against an in-process vplat: the extension builds the machine this
 * annotation describes, serves it with the real protocol server, and injects test-method (and
 * {@code @BeforeAll}/{@code @AfterAll}) parameters:
 *
 * <ul>
 *   <li>{@code VplatClient} — a guest session; {@link Client @Client(role = USER)} for a user
 *       session; sessions with the same role and name are shared within one test;</li>
 *   <li>{@code PciDev} with {@link Pci @Pci("00:03.0")} and {@code GuestPci} — the hierarchy
 *       enumerated and its BARs assigned through the guest session, like firmware would;</li>
 *   <li>{@code UserBuffer} ({@link UserMemory @UserMemory(bytes = …)}), {@code Iommufd} and
 *       {@code VfioDevice} with {@link Vfio @Vfio("0000:00:03.0")} — from the default user
 *       session, so they can be used together (the device is bound to vfio-pci first);</li>
 *   <li>{@code EmbeddedVplat} — the server itself.</li>
 * </ul>
 *
 * Sessions opened for a test method are closed after it (which, for the server, is process
 * exit: fds closed, memory unpinned, ownership released) and drivers it rebound are restored;
 * the server stops after the class ({@link Lifecycle#PER_CLASS}) or after each test
 * ({@link Lifecycle#PER_METHOD}). A failing test's message gets the tail of the machine trace.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(VplatExtension.class)
public @interface VplatTest {
    /** How clients reach the in-process server. */
    enum Transport {
        /** Loopback TCP on an ephemeral port. */
        TCP,
        /** A UNIX-domain socket in a fresh temporary directory. */
        UNIX,
        /**
         * In-process without a socket: the server's in-VM channel and {@code InVmTransport}, the
         * same protocol bytes with no port or socket file (works where sockets are not allowed).
         */
        EMBEDDED
    }

    /** When the machine is built and torn down. */
    enum Lifecycle { PER_CLASS, PER_METHOD }

    /** {@code q35} or {@code virt}. */
    String machine() default "q35";

    /** {@code --device} option strings, e.g. {@code "edu,addr=03.0"}. */
    String[] devices() default {};

    /** {@code --iommu} option strings, e.g. {@code "intel-iommu,owner=host"}. */
    String[] iommus() default {};

    /** RAM size ("256M", "2G"); its upper half is the host kernel's page pool. */
    String memory() default "256M";

    /** Leave out the devices the machine preset adds on its own. */
    boolean noDefaults() default false;

    /** Trace categories to record ("mmio,dma", "all"): what a failure message shows. */
    String trace() default "";

    /** Enables the host kernel's test-only controls. */
    boolean testHooks() default false;

    Transport transport() default Transport.TCP;

    Lifecycle lifecycle() default Lifecycle.PER_CLASS;

    /** Server token; guest sessions the extension opens present it. Empty = none. */
    String token() default "";

    /** Run, in order, on the built platform before the server accepts connections. */
    Class<? extends PlatformSetup>[] setup() default {};
}
