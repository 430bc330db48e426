package dev.vplat.vfio.plugin;

import dev.vplat.pci.sdk.PciDevice;
import dev.vplat.platform.device.DeviceTypeProvider;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * Builds a plugin jar the way a device author's Maven build would, without running Maven:
 * compiles Java sources (files of a source tree, or text given inline) with the system Java
 * compiler against the SDK classes this test runs with, then writes a jar holding the classes,
 * any resources and a {@code META-INF/services} file naming the providers.
 */
final class PluginJarBuilder {
    private final Path work;
    private final Path sources;
    private final List<Path> resourceRoots = new ArrayList<>();
    private final List<String> providers = new ArrayList<>();

    PluginJarBuilder(Path work) throws IOException {
        this.work = work;
        this.sources = Files.createDirectories(work.resolve("src"));
    }

    /** Adds every {@code .java} file below {@code root} (a Maven {@code src/main/java}). */
    PluginJarBuilder sourceTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Path target = sources.resolve(root.relativize(f).toString());
                Files.createDirectories(target.getParent());
                Files.copy(f, target);
            }
        }
        return this;
    }

    /** Adds a Maven {@code src/main/resources} tree, copied into the jar as is (its services file included). */
    PluginJarBuilder resources(Path root) {
        resourceRoots.add(root);
        return this;
    }

    /** Adds one compilation unit given as text. */
    PluginJarBuilder source(String className, String code) throws IOException {
        Path f = sources.resolve(className.replace('.', '/') + ".java");
        Files.createDirectories(f.getParent());
        Files.writeString(f, code);
        return this;
    }

    /** Names a provider class in the jar's {@code META-INF/services} file. */
    PluginJarBuilder provider(String className) {
        providers.add(className);
        return this;
    }

    /** Compiles and writes {@code name}.jar in the work directory. */
    Path build(String name) throws IOException {
        Path classes = Files.createDirectories(work.resolve("classes-" + name));
        compile(classes);
        Path jar = work.resolve(name + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            addTree(out, classes);
            for (Path r : resourceRoots) {
                addTree(out, r);
            }
            if (!providers.isEmpty()) {
                out.putNextEntry(new JarEntry(PluginLoader.SERVICE_FILE));
                out.write((String.join("\n", providers) + "\n").getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return jar;
    }

    private void compile(Path classes) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<Path> files;
        try (Stream<Path> s = Files.walk(sources)) {
            files = s.filter(p -> p.toString().endsWith(".java")).toList();
        }
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
            List<String> options = List.of("-d", classes.toString(), "-proc:none", "--release", "17",
                    "-classpath", classpath());
            boolean ok = javac.getTask(null, fm, diagnostics, options, null, fm.getJavaFileObjectsFromPaths(files)).call();
            if (!ok) {
                throw new IllegalStateException("plugin sources do not compile: " + diagnostics.getDiagnostics());
            }
        }
    }

    /** The SDK as the device author's build sees it: pci-bus and platform classes (surefire's class path is a manifest jar). */
    private static String classpath() {
        return location(PciDevice.class) + java.io.File.pathSeparator + location(DeviceTypeProvider.class);
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void addTree(JarOutputStream out, Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(root.relativize(f).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
    }
}
