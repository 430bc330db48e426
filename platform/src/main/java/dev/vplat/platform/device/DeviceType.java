package dev.vplat.platform.device;

import java.util.function.Function;

/**
 * A kind of device users name on the command line. {@code kind} says which bus or subsystem the
 * instances plug into (a PCI function, an IOMMU unit), so a registry can hold every kind while
 * each layer asks only for its own.
 */
public record DeviceType<T>(String name, String description, Class<T> kind, PropertySchema properties,
                            Function<PropertyValues, T> factory) {
    public T create(OptionString options) {
        if (!options.type().equals(name)) {
            throw new IllegalArgumentException("options for " + options.type() + " given to " + name);
        }
        return factory.apply(properties.resolve(name, options.options()));
    }
}
