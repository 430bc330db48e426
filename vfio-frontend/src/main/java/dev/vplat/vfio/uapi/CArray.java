package dev.vplat.vfio.uapi;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code byte[]} record component as a fixed-size C array ({@code __u8 name[length]})
 * or an opaque union body; {@code align} is the C alignment of the member (a union holding
 * {@code __aligned_u64} members is 8-aligned).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface CArray {
    int length();

    int align() default 1;
}
