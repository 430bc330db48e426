package dev.vplat.vfio.plugin;

import dev.vplat.platform.device.ConfigException;
import dev.vplat.platform.device.DeviceRegistry;
import dev.vplat.platform.device.DeviceType;
import dev.vplat.platform.device.DeviceTypeProvider;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.jar.JarFile;
import java.util.zip.ZipException;

/**
 * Builds the device-type registry of a machine: the built-in types found on vplat's own class
 * path, then the types of every {@code --plugin} jar, each jar in a class loader of its own
 * whose parent is vplat's (so a plugin sees the SDK and the platform, and plugins do not see
 * each other). Every type is registered with its origin — {@value #BUILTIN_ORIGIN} or the jar's
 * path — so a name defined twice is reported with both places.
 *
 * <p>Everything that can go wrong with a jar is a {@link ConfigException} naming the jar: it
 * does not exist, it is not a zip file, it lists no {@code DeviceTypeProvider} in
 * {@code META-INF/services}, or a provider fails to load or to list its types. The machine is
 * never built half-way: these are thrown before any device is created.
 */
public final class PluginLoader {
    /** The origin recorded for device types on vplat's own class path. */
    public static final String BUILTIN_ORIGIN = "vplat";
    /** The service file a plugin jar must carry. */
    public static final String SERVICE_FILE = "META-INF/services/" + DeviceTypeProvider.class.getName();

    private PluginLoader() {
    }

    /** Built-in types (from {@code builtins}) followed by those of {@code jars}, in order. */
    public static DeviceRegistry registry(ClassLoader builtins, List<Path> jars) {
        DeviceRegistry registry = DeviceRegistry.discover(builtins, BUILTIN_ORIGIN);
        for (Path jar : jars) {
            load(registry, jar, builtins);
        }
        return registry;
    }

    /** Registers the types of one plugin jar, loaded with a class loader whose parent is {@code parent}. */
    public static void load(DeviceRegistry registry, Path jar, ClassLoader parent) {
        String origin = jar.toString();
        checkJar(jar);
        URLClassLoader loader = new URLClassLoader("plugin:" + jar.getFileName(), new URL[] {url(jar)}, parent);
        int providers = 0;
        try {
            for (ServiceLoader.Provider<DeviceTypeProvider> p
                    : ServiceLoader.load(DeviceTypeProvider.class, loader).stream().toList()) {
                if (p.type().getClassLoader() != loader) {
                    continue; // a built-in provider seen through the parent loader
                }
                providers++;
                for (DeviceType<?> type : typesOf(p, origin)) {
                    registry.register(type, origin);
                }
            }
        } catch (ServiceConfigurationError | LinkageError e) {
            throw new ConfigException("plugin " + origin + ": cannot load its device type provider: "
                    + describe(e), e);
        }
        if (providers == 0) {
            throw new ConfigException("plugin " + origin + " has no device type provider of its own: "
                    + "its " + SERVICE_FILE + " must name a class inside the jar");
        }
    }

    private static List<DeviceType<?>> typesOf(ServiceLoader.Provider<DeviceTypeProvider> p, String origin) {
        List<DeviceType<?>> types;
        try {
            types = p.get().deviceTypes();
        } catch (RuntimeException e) {
            throw new ConfigException("plugin " + origin + ": " + p.type().getName()
                    + ".deviceTypes() failed: " + describe(e), e);
        }
        if (types == null || types.stream().anyMatch(Objects::isNull)) {
            throw new ConfigException("plugin " + origin + ": " + p.type().getName()
                    + ".deviceTypes() returned null or a null type");
        }
        return types;
    }

    /** Fails with the reason when {@code jar} is not a readable jar listing device type providers. */
    private static void checkJar(Path jar) {
        if (!Files.exists(jar)) {
            throw new ConfigException("plugin " + jar + " does not exist");
        }
        if (!Files.isRegularFile(jar) || !Files.isReadable(jar)) {
            throw new ConfigException("plugin " + jar + " is not a readable file");
        }
        try (JarFile file = new JarFile(jar.toFile())) {
            if (file.getEntry(SERVICE_FILE) == null) {
                throw new ConfigException("plugin " + jar + " lists no device types: it has no " + SERVICE_FILE);
            }
        } catch (ZipException e) {
            throw new ConfigException("plugin " + jar + " is not a jar (zip) file: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ConfigException("plugin " + jar + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static URL url(Path jar) {
        try {
            return jar.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new ConfigException("plugin " + jar + ": " + e.getMessage(), e);
        }
    }

    /** The message and, for wrapped errors, the root cause a user can act on (a missing class, say). */
    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = e.getMessage() != null ? e.getMessage() : e.toString();
        return root == e ? text : text + " (caused by " + root + ")";
    }
}
