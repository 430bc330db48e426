package dev.vplat.guest.junit;

import dev.vplat.guest.client.EmbeddedVplat;
import dev.vplat.guest.client.Iommufd;
import dev.vplat.guest.client.Role;
import dev.vplat.guest.client.UserBuffer;
import dev.vplat.guest.client.VfioDevice;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.pci.Bdf;
import dev.vplat.guest.pci.GuestPci;
import dev.vplat.guest.pci.PciDev;
import dev.vplat.vfio.platform.ClockMode;
import dev.vplat.vfio.platform.MemorySize;
import dev.vplat.vfio.platform.Platform;
import dev.vplat.vfio.platform.PlatformConfig;
import dev.vplat.vfio.server.ServerOptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The JUnit 5 extension behind {@link VplatTest}: starts the in-process server for the class or
 * for each test, resolves parameters from per-scope {@link SessionPool}s, tears everything down in
 * order, and appends the machine-trace tail to failures.
 */
public final class VplatExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback, ParameterResolver, TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(VplatExtension.class);
    private static final String SERVER = "server", METHOD_POOL = "method-sessions", CLASS_POOL = "class-sessions";

    @Override
    public void beforeAll(ExtensionContext context) {
        VplatTest spec = spec(context);
        if (spec.lifecycle() == VplatTest.Lifecycle.PER_CLASS) {
            context.getStore(NS).put(SERVER, start(spec));
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        VplatTest spec = spec(context);
        if (spec.lifecycle() == VplatTest.Lifecycle.PER_METHOD) {
            context.getStore(NS).put(SERVER, start(spec));
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NS);
        try {
            closePool(store, METHOD_POOL);
        } finally {
            if (spec(context).lifecycle() == VplatTest.Lifecycle.PER_METHOD) {
                closeServer(store);
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NS);
        try {
            closePool(store, CLASS_POOL);
        } finally {
            closeServer(store);
        }
    }

    private static void closePool(ExtensionContext.Store store, String key) {
        SessionPool pool = store.remove(key, SessionPool.class);
        if (pool != null) {
            pool.close();
        }
    }

    private static void closeServer(ExtensionContext.Store store) {
        EmbeddedVplat vplat = store.remove(SERVER, EmbeddedVplat.class);
        if (vplat != null) {
            vplat.close();
        }
    }

    private static VplatTest spec(ExtensionContext context) {
        Optional<Class<?>> c = context.getTestClass();
        while (c.isPresent()) {
            VplatTest t = c.get().getAnnotation(VplatTest.class);
            if (t != null) {
                return t;
            }
            c = Optional.ofNullable(c.get().getEnclosingClass());
        }
        throw new ExtensionConfigurationException("VplatExtension needs @VplatTest on the test class");
    }

    /** The platform the annotation describes, served on its transport. */
    static EmbeddedVplat start(VplatTest spec) {
        PlatformConfig config = new PlatformConfig(spec.machine(), List.of(spec.devices()), List.of(spec.iommus()),
                MemorySize.parse(spec.memory()), spec.noDefaults(), spec.trace(), ClockMode.VIRTUAL,
                spec.testHooks(), List.of());
        EmbeddedVplat.Listen listen = switch (spec.transport()) {
            case TCP -> EmbeddedVplat.Listen.TCP;
            case UNIX -> EmbeddedVplat.Listen.UNIX;
            case EMBEDDED -> EmbeddedVplat.Listen.IN_VM;
        };
        ServerOptions options = spec.token().isEmpty() ? ServerOptions.defaults()
                : ServerOptions.defaults().withToken(spec.token());
        return EmbeddedVplat.start(config, listen, setups(spec), options);
    }

    private static Consumer<Platform> setups(VplatTest spec) {
        return platform -> {
            for (Class<? extends PlatformSetup> type : spec.setup()) {
                PlatformSetup s;
                try {
                    s = type.getDeclaredConstructor().newInstance();
                } catch (ReflectiveOperationException e) {
                    throw new ExtensionConfigurationException(type.getName() + " needs a public no-argument constructor", e);
                }
                s.setup(platform);
            }
        };
    }

    /** The running server for this context: the method's (PER_METHOD) or the class's. */
    private static EmbeddedVplat server(ExtensionContext context) {
        EmbeddedVplat v = context.getStore(NS).get(SERVER, EmbeddedVplat.class);
        if (v == null) {
            throw new ParameterResolutionException("no vplat server is running here (with lifecycle PER_METHOD,"
                    + " @BeforeAll/@AfterAll methods cannot take vplat parameters)");
        }
        return v;
    }

    /** Sessions of this scope: the test method's, or the class's for @BeforeAll/@AfterAll. */
    private static SessionPool pool(ExtensionContext context) {
        EmbeddedVplat v = server(context);
        String key = context.getTestMethod().isPresent() ? METHOD_POOL : CLASS_POOL;
        return context.getStore(NS).getOrComputeIfAbsent(key,
                k -> new SessionPool(v), SessionPool.class);
    }

    private static final List<Class<?>> SUPPORTED = List.of(VplatClient.class, EmbeddedVplat.class, GuestPci.class,
            PciDev.class, UserBuffer.class, Iommufd.class, VfioDevice.class);

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        return SUPPORTED.contains(pc.getParameter().getType());
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        Class<?> type = pc.getParameter().getType();
        if (type == EmbeddedVplat.class) {
            return server(ec);
        }
        SessionPool pool = pool(ec);
        if (type == VplatClient.class) {
            Client c = pc.findAnnotation(Client.class).orElse(null);
            return c == null ? pool.guest() : pool.client(c.role(), c.name());
        }
        if (type == GuestPci.class) {
            return pool.pci();
        }
        if (type == PciDev.class) {
            Pci at = pc.findAnnotation(Pci.class).orElseThrow(() ->
                    new ParameterResolutionException("a PciDev parameter needs @Pci(\"BB:DD.F\")"));
            Bdf bdf = Bdf.parse(at.value());
            GuestPci pci = pool.pci();
            return pci.device(bdf).orElseThrow(() ->
                    new ParameterResolutionException("no PCI function answers at " + bdf + "; found " + pci.devices()));
        }
        if (type == UserBuffer.class) {
            long bytes = pc.findAnnotation(UserMemory.class).map(UserMemory::bytes).orElse(4096L);
            return pool.user().mmap(bytes);
        }
        if (type == Iommufd.class) {
            return pool.user().openIommufd();
        }
        Vfio v = pc.findAnnotation(Vfio.class).orElseThrow(() ->
                new ParameterResolutionException("a VfioDevice parameter needs @Vfio(\"0000:BB:DD.F\")"));
        return pool.user().openVfioDevice(pool.bindVfio(Bdf.parse(v.value()).toString()));
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw withTrace(context, throwable);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable throwable)
            throws Throwable {
        throw withTrace(context, throwable);
    }

    @Override
    public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable throwable)
            throws Throwable {
        throw withTrace(context, throwable);
    }

    /** The failure with the machine's last trace lines appended to its message (same stack). */
    private static Throwable withTrace(ExtensionContext context, Throwable failure) {
        EmbeddedVplat v = context.getStore(NS).get(SERVER, EmbeddedVplat.class);
        if (v == null || failure instanceof TraceAppended) {
            return failure;
        }
        return new TraceAppended(failure, v.traceTail(), spec(context).trace());
    }

    /** A failure whose message carries the machine-trace tail; the original is its cause. */
    static final class TraceAppended extends AssertionError {
        static final String MARKER = "--- vplat machine trace, last lines ---";

        TraceAppended(Throwable original, List<String> tail, String categories) {
            super(message(original, tail, categories), original);
            setStackTrace(original.getStackTrace());
        }

        private static String message(Throwable original, List<String> tail, String categories) {
            StringBuilder b = new StringBuilder(String.valueOf(original.getMessage()));
            b.append('\n').append(MARKER).append('\n');
            if (tail.isEmpty()) {
                b.append(categories.isEmpty()
                        ? "(no trace recorded: add e.g. @VplatTest(trace = \"mmio,dma\"))"
                        : "(trace categories " + categories + " recorded nothing)");
            } else {
                tail.forEach(line -> b.append(line).append('\n'));
            }
            return b.toString();
        }
    }

}
