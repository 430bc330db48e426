package dev.vplat.guest.suites;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a suite class and says what machine it needs. Test methods take a {@link SuiteTarget}
 * parameter: the server the run points at ({@code vplat.suite.target}, see {@link SuiteExtension})
 * or, without one, an embedded server built for this class. A class that asks for extra
 * {@link #iommus} or {@link #devices}, or a {@link #machine} other than q35, needs a machine of
 * its own: against an external target it is skipped, with the reason.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(SuiteExtension.class)
public @interface GuestSuite {
    /** {@code --machine} preset of the embedded server: {@code q35} or {@code virt} (Arm, host-owned SMMUv3). */
    String machine() default "q35";

    /** {@code --iommu} option strings added to the machine (on virt: replacing its default unit; embedded only). */
    String[] iommus() default {};

    /** {@code --device} option strings added to the machine (embedded only). */
    String[] devices() default {};

    /** Start the embedded server with {@code --test-hooks} (IOMMU_TEST_CMD, mock domains). */
    boolean testHooks() default false;

    /** Trace categories recorded by an embedded server (shown when a test fails). */
    String trace() default "iommu,dma";
}
