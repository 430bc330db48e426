package dev.vplat.guest.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A session with a vplat server, with every op as a blocking call. The same session's
 * non-blocking form is {@link #async()}; both may be used together and from many threads.
 *
 * <pre>{@code
 * try (VplatClient guest = VplatClient.connect("tcp:127.0.0.1:7420", Role.GUEST)) {
 *     long id = guest.readl(0xB0000000L);            // ECAM: vendor/device of 00:00.0
 * }
 * try (VplatClient user = VplatClient.builder().address("unix:/tmp/vplat.sock").role(Role.USER).connect()) {
 *     Iommufd iommufd = user.openIommufd();
 *     int ioas = iommufd.ioasAlloc();
 * }
 * }</pre>
 *
 * Failures the server reports throw {@link VplatException} (errno, message, error data); a lost
 * connection throws {@link ClientClosedException}.
 */
public final class VplatClient implements AutoCloseable {
    public static final int PROTOCOL_MAJOR = 1;
    public static final int PROTOCOL_MINOR = 0;
    public static final long PAGE_SIZE = 4096;

    private final Connection connection;
    private final AsyncClient async;
    private final ServerHello hello;
    private final Role role;

    private VplatClient(Connection connection, Role role, ServerHello hello) {
        this.connection = connection;
        this.async = new AsyncClient(connection);
        this.role = role;
        this.hello = hello;
    }

    /** Options for a new session. */
    public static final class Builder {
        private String address = Address.DEFAULT;
        private Transport transport;
        private Role role = Role.GUEST;
        private String name = "vplat-java-client";
        private String token;

        /** {@code tcp:HOST:PORT} or {@code unix:PATH}. */
        public Builder address(String spec) {
            this.address = Objects.requireNonNull(spec);
            return this;
        }

        /** Uses an already-open transport (an embedded server, a test double) instead of a socket. */
        public Builder transport(Transport t) {
            this.transport = t;
            return this;
        }

        public Builder role(Role r) {
            this.role = Objects.requireNonNull(r);
            return this;
        }

        /** The client name the server logs and MACHINE_INFO may show. */
        public Builder name(String n) {
            this.name = Objects.requireNonNull(n);
            return this;
        }

        /** The server token: needed for role guest when the server has one. */
        public Builder token(String t) {
            this.token = t;
            return this;
        }

        /**
         * Connects and says HELLO.
         *
         * @throws VplatException        EPROTO (version) or EACCES (token) from the server
         * @throws UncheckedIOException if the socket cannot be opened
         */
        public VplatClient connect() {
            Transport t = transport;
            if (t == null) {
                try {
                    t = SocketTransport.connect(Address.parse(address));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot connect to " + address, e);
                }
            }
            Connection c = new Connection(t);
            try {
                ServerHello h = await(new AsyncClient(c).hello(role, name, token));
                t.maxPayload(h.maxPayload());
                return new VplatClient(c, role, h);
            } catch (RuntimeException e) {
                c.close();
                throw e;
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Connects to {@code address} with {@code role}, no token. */
    public static VplatClient connect(String address, Role role) {
        return builder().address(address).role(role).connect();
    }

    /** The non-blocking view of this session. */
    public AsyncClient async() {
        return async;
    }

    /** What the server said in HELLO. */
    public ServerHello hello() {
        return hello;
    }

    public Role role() {
        return role;
    }

    public boolean isOpen() {
        return connection.isOpen();
    }

    /** Requests sent and not yet answered. */
    public int inFlight() {
        return connection.inFlight();
    }

    /** Waits for a future of this client, re-throwing its failure with the caller's stack. */
    static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (ExecutionException | CompletionException e) {
            Throwable c = e.getCause();
            if (c instanceof VplatException v) {
                throw v.rethrownHere();
            }
            if (c instanceof ClientClosedException cc) {
                throw new ClientClosedException(cc.getMessage(), cc);
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientClosedException("interrupted while waiting for the server", e);
        }
    }

    // ---- machine access (role guest) ----

    public byte[] memRead(long addr, int size) {
        return await(async.memRead(addr, size));
    }

    public void memWrite(long addr, byte[] data) {
        await(async.memWrite(addr, data));
    }

    public void memFill(long addr, long size, int value) {
        await(async.memFill(addr, size, value));
    }

    public long read(long addr, int width) {
        return await(async.read(addr, width));
    }

    public void write(long addr, int width, long value) {
        await(async.write(addr, width, value));
    }

    public int readb(long addr) {
        return (int) read(addr, 1);
    }

    public int readw(long addr) {
        return (int) read(addr, 2);
    }

    public int readl(long addr) {
        return (int) read(addr, 4);
    }

    public long readq(long addr) {
        return read(addr, 8);
    }

    public void writeb(long addr, int value) {
        write(addr, 1, value);
    }

    public void writew(long addr, int value) {
        write(addr, 2, value);
    }

    public void writel(long addr, int value) {
        write(addr, 4, value);
    }

    public void writeq(long addr, long value) {
        write(addr, 8, value);
    }

    public int pioRead(int port, int width) {
        return await(async.pioRead(port, width));
    }

    public void pioWrite(int port, int width, int value) {
        await(async.pioWrite(port, width, value));
    }

    public int inb(int port) {
        return pioRead(port, 1);
    }

    public int inw(int port) {
        return pioRead(port, 2);
    }

    public int inl(int port) {
        return pioRead(port, 4);
    }

    public void outb(int port, int value) {
        pioWrite(port, 1, value);
    }

    public void outw(int port, int value) {
        pioWrite(port, 2, value);
    }

    public void outl(int port, int value) {
        pioWrite(port, 4, value);
    }

    /**
     * Runs a batch in one round trip. On failure the {@link VplatException}'s error data holds the
     * values done so far ({@link Batch#valuesDone}).
     */
    public long[] batch(Batch batch) {
        return await(async.batch(batch));
    }

    public long clockStep(long ns) {
        return await(async.clockStep(ns));
    }

    /** Advances virtual time to the next timer deadline. */
    public long clockStep() {
        return clockStep(0);
    }

    public long clockSet(long ns) {
        return await(async.clockSet(ns));
    }

    public void irqWatch(boolean on) {
        await(async.irqWatch(on));
    }

    public MachineInfo machineInfo() {
        return await(async.machineInfo());
    }

    public void machineReset() {
        await(async.machineReset());
    }

    public void driverBind(String bdf, String driver) {
        await(async.driverBind(bdf, driver));
    }

    public void driverUnbind(String bdf) {
        await(async.driverUnbind(bdf));
    }

    // ---- process calls ----

    public int open(String path) {
        return await(async.open(path));
    }

    public void close(int fd) {
        await(async.close(fd));
    }

    public int ioctl(int fd, int request, long arg) {
        return await(async.ioctl(fd, request, arg));
    }

    public IoctlResult ioctl(int fd, int request, byte[] struct) {
        return await(async.ioctl(fd, request, struct));
    }

    public byte[] pread(int fd, int size, long offset) {
        return await(async.pread(fd, size, offset));
    }

    public int pwrite(int fd, long offset, byte[] data) {
        return await(async.pwrite(fd, offset, data));
    }

    public int eventfd(long initial) {
        return await(async.eventfd(initial));
    }

    /** Reads and clears an eventfd's counter (EAGAIN, as a {@link VplatException}, when it is 0). */
    public long readEventfd(int fd) {
        return dev.vplat.guest.client.uapi.LeReader.value(pread(fd, 8, 0));
    }

    /** Maps {@code length} bytes of read-write user memory, page aligned. */
    public UserBuffer mmap(long length) {
        return mmap(length, AsyncClient.PROT_READ | AsyncClient.PROT_WRITE, 0);
    }

    /** Maps user memory with {@code prot} (PROT_READ/PROT_WRITE) at an address aligned to {@code align}. */
    public UserBuffer mmap(long length, int prot, long align) {
        return new UserBuffer(this, await(async.mmap(length, prot, align)), length);
    }

    public void munmap(long addr, long length) {
        await(async.munmap(addr, length));
    }

    public byte[] uread(long addr, int size) {
        return await(async.uread(addr, size));
    }

    public void uwrite(long addr, byte[] data) {
        await(async.uwrite(addr, data));
    }

    // ---- typed uAPI wrappers ----

    /** Opens {@code /dev/iommu}. */
    public Iommufd openIommufd() {
        return new Iommufd(this, open("/dev/iommu"));
    }

    /** Opens a VFIO device cdev, e.g. {@code /dev/vfio/devices/vfio0}. */
    public VfioDevice openVfioDevice(String path) {
        return new VfioDevice(this, open(path));
    }

    /** Opens the legacy container {@code /dev/vfio/vfio}. */
    public VfioContainer openVfioContainer() {
        return new VfioContainer(this, open("/dev/vfio/vfio"));
    }

    /** Opens the legacy group node {@code /dev/vfio/GROUP}. */
    public VfioGroup openVfioGroup(int group) {
        return new VfioGroup(this, open("/dev/vfio/" + group));
    }

    // ---- events ----

    /** Adds a listener for every event of this session (called on the event thread). */
    public void addListener(EventListener listener) {
        connection.addListener(listener);
    }

    public void removeListener(EventListener listener) {
        connection.removeListener(listener);
    }

    /** Waits for the oldest not-yet-taken MSI event (IRQ_WATCH must be on). */
    public Event.Msi awaitMsi(Duration timeout) {
        return connection.await(Event.Msi.class, e -> true, timeout)
                .orElseThrow(() -> new EventTimeoutException("no MSI within " + timeout));
    }

    /** Waits for an MSI with this data value (the vector's payload). */
    public Event.Msi awaitMsi(int data, Duration timeout) {
        return connection.await(Event.Msi.class, e -> e.data() == data, timeout)
                .orElseThrow(() -> new EventTimeoutException("no MSI with data 0x" + Integer.toHexString(data)
                        + " within " + timeout));
    }

    public Event.Intx awaitIntx(Duration timeout) {
        return connection.await(Event.Intx.class, e -> true, timeout)
                .orElseThrow(() -> new EventTimeoutException("no INTx event within " + timeout));
    }

    /** Waits for a signal of eventfd {@code fd}. */
    public Event.Eventfd awaitEventfd(int fd, Duration timeout) {
        return connection.await(Event.Eventfd.class, e -> e.fd() == fd, timeout)
                .orElseThrow(() -> new EventTimeoutException("eventfd " + fd + " not signalled within " + timeout));
    }

    public Event.Log awaitLog(Duration timeout) {
        return connection.await(Event.Log.class, e -> true, timeout)
                .orElseThrow(() -> new EventTimeoutException("no log line within " + timeout));
    }

    /** Forgets every event kept for the await helpers (listeners are unaffected). */
    public void clearEvents() {
        connection.clearEvents();
    }

    /** Events the await inbox dropped because nobody took them and it was full. */
    public long droppedEvents() {
        return connection.droppedEvents();
    }

    /** Says BYE and closes the connection: for the server, process exit. */
    @Override
    public void close() {
        connection.close();
    }

    @Override
    public String toString() {
        return "VplatClient[" + connection.transport().describe() + ", " + role + ", session " + hello.session() + "]";
    }
}
