package dev.vplat.guest.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The function a {@code VfioDevice} parameter opens. The extension binds it to vfio-pci (through
 * the guest session) if it is not already, opens its cdev in the default user session, and
 * restores the original driver after the test.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Vfio {
    String value();
}
