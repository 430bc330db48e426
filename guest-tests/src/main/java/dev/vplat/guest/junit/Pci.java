package dev.vplat.guest.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The PCI function a {@code PciDev} parameter drives, by address: {@code "00:03.0"} or {@code "0000:00:03.0"}. */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Pci {
    String value();
}
