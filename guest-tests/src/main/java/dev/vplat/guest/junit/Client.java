package dev.vplat.guest.junit;

import dev.vplat.guest.client.Role;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Chooses the session a {@code VplatClient} parameter gets. Parameters with the same role and
 * name share one session; give a different name for a second, independent process.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Client {
    Role role() default Role.GUEST;

    String name() default "default";
}
