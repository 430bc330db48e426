package dev.vplat.guest.suites;

import dev.vplat.guest.client.EmbeddedVplat;
import dev.vplat.guest.junit.PlatformSetup;
import dev.vplat.vfio.platform.ClockMode;
import dev.vplat.vfio.platform.Platform;
import dev.vplat.vfio.platform.PlatformConfig;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.TestAbortedException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Points a {@link GuestSuite} class at its server. The configuration parameters (JUnit Platform
 * launcher parameters, falling back to system properties of the same name) are:
 *
 * <ul>
 *   <li>{@value #TARGET} — {@code tcp:HOST:PORT} or {@code unix:PATH} of a running
 *       {@code vplat serve}; without it each suite class gets an embedded server (the real
 *       protocol server on a loopback port) built from {@link GuestSuite};</li>
 *   <li>{@value #TOKEN} — the server's token, presented by guest sessions;</li>
 *   <li>{@value #SETUP} — comma-separated {@link PlatformSetup} classes run on every embedded
 *       platform before it is served.</li>
 * </ul>
 *
 * Each test method gets a fresh {@link SuiteTarget}, closed after it.
 */
public final class SuiteExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver,
        TestExecutionExceptionHandler {
    public static final String TARGET = "vplat.suite.target", TOKEN = "vplat.suite.token", SETUP = "vplat.suite.setup";
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SuiteExtension.class);
    private static final String SERVER = "server", TARGET_KEY = "target";

    @Override
    public void beforeAll(ExtensionContext context) {
        GuestSuite spec = spec(context);
        String remote = context.getConfigurationParameter(TARGET).filter(s -> !s.isBlank()).orElse(null);
        if (remote != null) {
            if (spec.iommus().length > 0 || spec.devices().length > 0 || !spec.machine().equals("q35")) {
                throw new TestAbortedException("needs its own machine (" + String.join(" ", options(spec))
                        + "); run it embedded (without " + TARGET + ")");
            }
            return;
        }
        PlatformConfig config = new PlatformConfig(spec.machine(), List.of(spec.devices()), List.of(spec.iommus()),
                PlatformConfig.DEFAULT_MEMORY, false, spec.trace(), ClockMode.VIRTUAL, spec.testHooks(), List.of());
        context.getStore(NS).put(SERVER, EmbeddedVplat.start(config, EmbeddedVplat.Listen.TCP, setups(context)));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        EmbeddedVplat server = context.getStore(NS).remove(SERVER, EmbeddedVplat.class);
        if (server != null) {
            server.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        return pc.getParameter().getType() == SuiteTarget.class;
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        return ec.getStore(NS).getOrComputeIfAbsent(TARGET_KEY, k -> new ClosingTarget(newTarget(ec)),
                ClosingTarget.class).target;
    }

    private static SuiteTarget newTarget(ExtensionContext ec) {
        String token = ec.getConfigurationParameter(TOKEN).filter(s -> !s.isBlank()).orElse(null);
        EmbeddedVplat server = ec.getStore(NS).get(SERVER, EmbeddedVplat.class);
        if (server != null) {
            return new SuiteTarget(server.address(), null, server);
        }
        String remote = ec.getConfigurationParameter(TARGET).orElseThrow(() ->
                new ExtensionConfigurationException("no embedded server and no " + TARGET));
        return new SuiteTarget(remote, token, null);
    }

    /** Lets the method's store close the target (and its sessions) when the test is done. */
    private record ClosingTarget(SuiteTarget target) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            target.close();
        }
    }

    /** A failing test's message gets the embedded machine's last trace lines. */
    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        EmbeddedVplat server = context.getStore(NS).get(SERVER, EmbeddedVplat.class);
        if (server == null || failure instanceof TestAbortedException) {
            throw failure;
        }
        StringBuilder b = new StringBuilder(String.valueOf(failure.getMessage())).append("\n--- machine trace ---\n");
        server.traceTail().forEach(l -> b.append(l).append('\n'));
        AssertionError withTrace = new AssertionError(b.toString(), failure);
        withTrace.setStackTrace(failure.getStackTrace());
        throw withTrace;
    }

    private static GuestSuite spec(ExtensionContext context) {
        Class<?> c = context.getRequiredTestClass();
        while (c != null) {
            GuestSuite s = c.getAnnotation(GuestSuite.class);
            if (s != null) {
                return s;
            }
            c = c.getEnclosingClass();
        }
        throw new ExtensionConfigurationException("SuiteExtension needs @GuestSuite on " + context.getRequiredTestClass());
    }

    private static List<String> options(GuestSuite spec) {
        List<String> out = new ArrayList<>();
        if (!spec.machine().equals("q35")) {
            out.add("--machine " + spec.machine());
        }
        Arrays.stream(spec.iommus()).forEach(s -> out.add("--iommu " + s));
        Arrays.stream(spec.devices()).forEach(s -> out.add("--device " + s));
        return out;
    }

    private static Consumer<Platform> setups(ExtensionContext context) {
        List<PlatformSetup> setups = new ArrayList<>();
        for (String name : context.getConfigurationParameter(SETUP).orElse("").split(",")) {
            if (name.isBlank()) {
                continue;
            }
            try {
                setups.add((PlatformSetup) Class.forName(name.trim()).getDeclaredConstructor().newInstance());
            } catch (ReflectiveOperationException | ClassCastException e) {
                throw new ExtensionConfigurationException(SETUP + ": cannot create PlatformSetup " + name, e);
            }
        }
        return platform -> setups.forEach(s -> s.setup(platform));
    }
}
