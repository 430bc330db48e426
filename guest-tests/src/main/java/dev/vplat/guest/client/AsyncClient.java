package dev.vplat.guest.client;

import dev.vplat.guest.client.uapi.LeReader;
import dev.vplat.guest.client.uapi.LeWriter;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Every protocol op as a non-blocking call returning a {@link CompletableFuture}. Calls may be
 * issued from any thread and pipeline without limit; the server executes them in the order sent.
 * Futures complete on the client's reader thread: chain with the {@code …Async} stage methods if
 * a continuation blocks. Failed requests complete with {@link VplatException}; a lost connection
 * with {@link ClientClosedException}.
 *
 * <p>Obtain one with {@link VplatClient#async()}.
 */
public final class AsyncClient {
    /** MMAP {@code prot} bits. */
    public static final int PROT_READ = 1, PROT_WRITE = 2;
    private static final byte[] EMPTY = new byte[0];

    private final Connection connection;

    AsyncClient(Connection connection) {
        this.connection = connection;
    }

    private CompletableFuture<Frame> call(Op op, byte[] payload) {
        return connection.call(op, payload);
    }

    private CompletableFuture<Void> callVoid(Op op, byte[] payload) {
        return call(op, payload).thenApply(f -> null);
    }

    private CompletableFuture<Integer> callResult(Op op, byte[] payload) {
        return call(op, payload).thenApply(Frame::result);
    }

    private CompletableFuture<Long> callU64(Op op, byte[] payload) {
        return call(op, payload).thenApply(f -> new LeReader(f.payload()).u64());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- machine access (role guest) ----

    /** MEM_READ of {@code size} bytes: one access of that width for 1/2/4/8 at an aligned address, else a RAM range. */
    public CompletableFuture<byte[]> memRead(long addr, int size) {
        return call(Op.MEM_READ, new LeWriter(12).u64(addr).u32(size).toBytes()).thenApply(Frame::payload);
    }

    /** One MMIO-semantics read of {@code width} (1, 2, 4, 8) bytes, zero-extended. */
    public CompletableFuture<Long> read(long addr, int width) {
        return memRead(addr, width).thenApply(LeReader::value);
    }

    public CompletableFuture<Void> memWrite(long addr, byte[] data) {
        return callVoid(Op.MEM_WRITE, new LeWriter(12 + data.length).u64(addr).u32(data.length).bytes(data).toBytes());
    }

    /** One MMIO-semantics write of the low {@code width} bytes of {@code value}. */
    public CompletableFuture<Void> write(long addr, int width, long value) {
        return memWrite(addr, new LeWriter(width).uint(width, value).toBytes());
    }

    public CompletableFuture<Void> memFill(long addr, long size, int value) {
        return callVoid(Op.MEM_FILL, new LeWriter(17).u64(addr).u64(size).u8(value).toBytes());
    }

    public CompletableFuture<Integer> pioRead(int port, int width) {
        return call(Op.PIO_READ, new LeWriter(3).u16(port).u8(width).toBytes())
                .thenApply(f -> new LeReader(f.payload()).u32());
    }

    public CompletableFuture<Void> pioWrite(int port, int width, int value) {
        return callVoid(Op.PIO_WRITE, new LeWriter(7).u16(port).u8(width).u32(value).toBytes());
    }

    /** Runs a batch; the values read, one per entry (0 for writes). */
    public CompletableFuture<long[]> batch(Batch batch) {
        return call(Op.BATCH, batch.encode()).thenApply(f -> Batch.values(f.payload()));
    }

    /** Advances virtual time by {@code ns} (0: to the next timer deadline); the time now. */
    public CompletableFuture<Long> clockStep(long ns) {
        return callU64(Op.CLOCK_STEP, new LeWriter(8).u64(ns).toBytes());
    }

    public CompletableFuture<Long> clockSet(long ns) {
        return callU64(Op.CLOCK_SET, new LeWriter(8).u64(ns).toBytes());
    }

    /** Turns MSI and INTx events for this session on or off. */
    public CompletableFuture<Void> irqWatch(boolean on) {
        return callVoid(Op.IRQ_WATCH, new LeWriter(4).u32(on ? 1 : 0).toBytes());
    }

    public CompletableFuture<MachineInfo> machineInfo() {
        return call(Op.MACHINE_INFO, EMPTY)
                .thenApply(f -> MachineInfo.parse(new String(f.payload(), StandardCharsets.UTF_8)));
    }

    public CompletableFuture<Void> machineReset() {
        return callVoid(Op.MACHINE_RESET, EMPTY);
    }

    /** Binds host driver {@code driver} ("vfio-pci", "pci-stub", "edu", …) to the function at {@code bdf}. */
    public CompletableFuture<Void> driverBind(String bdf, String driver) {
        return callVoid(Op.DRIVER_BIND, utf8(bdf + " " + driver));
    }

    public CompletableFuture<Void> driverUnbind(String bdf) {
        return callVoid(Op.DRIVER_UNBIND, utf8(bdf));
    }

    // ---- process calls (any role) ----

    /** Opens a device node; the new fd. */
    public CompletableFuture<Integer> open(String path) {
        return callResult(Op.OPEN, utf8(path));
    }

    public CompletableFuture<Void> close(int fd) {
        return callVoid(Op.CLOSE, new LeWriter(4).u32(fd).toBytes());
    }

    /** An ioctl whose argument is a u64 passed verbatim (an integer or a user address); its return value. */
    public CompletableFuture<Integer> ioctl(int fd, int request, long arg) {
        return callResult(Op.IOCTL, new LeWriter(24).u32(fd).u32(request).u32(0).u32(0).u64(arg).toBytes());
    }

    /** An ioctl with the struct passed inline; the return value and the struct as the call left it. */
    public CompletableFuture<IoctlResult> ioctl(int fd, int request, byte[] struct) {
        byte[] payload = new LeWriter(16 + struct.length).u32(fd).u32(request).u32(1).u32(0).bytes(struct).toBytes();
        return call(Op.IOCTL, payload).thenApply(f -> new IoctlResult(f.result(), f.payload()));
    }

    public CompletableFuture<byte[]> pread(int fd, int size, long offset) {
        return call(Op.PREAD, new LeWriter(16).u32(fd).u32(size).u64(offset).toBytes()).thenApply(Frame::payload);
    }

    /** Writes {@code data} at {@code offset}; the byte count written. */
    public CompletableFuture<Integer> pwrite(int fd, long offset, byte[] data) {
        return callResult(Op.PWRITE, new LeWriter(16 + data.length).u32(fd).u32(0).u64(offset).bytes(data).toBytes());
    }

    /** Creates an eventfd with {@code initial} as its counter; the new fd. */
    public CompletableFuture<Integer> eventfd(long initial) {
        return callResult(Op.EVENTFD, new LeWriter(8).u64(initial).toBytes());
    }

    /** Maps anonymous user memory; its user address. {@code align} 0 means page alignment. */
    public CompletableFuture<Long> mmap(long length, int prot, long align) {
        return callU64(Op.MMAP, new LeWriter(24).u64(length).u32(prot).u32(0).u64(align).toBytes());
    }

    public CompletableFuture<Void> munmap(long addr, long length) {
        return callVoid(Op.MUNMAP, new LeWriter(16).u64(addr).u64(length).toBytes());
    }

    public CompletableFuture<byte[]> uread(long addr, int size) {
        return call(Op.UREAD, new LeWriter(12).u64(addr).u32(size).toBytes()).thenApply(Frame::payload);
    }

    public CompletableFuture<Void> uwrite(long addr, byte[] data) {
        return callVoid(Op.UWRITE, new LeWriter(8 + data.length).u64(addr).bytes(data).toBytes());
    }

    /** Sends any op with a raw payload: for ops added after this client was written. */
    public CompletableFuture<Frame> raw(Op op, byte[] payload) {
        return call(op, payload);
    }

    /** HELLO: u16 major, u16 minor, u32 role, JSON; reply u16 major, u16 minor, JSON. */
    CompletableFuture<ServerHello> hello(Role role, String clientName, String token) {
        String json = "{\"client\":" + Json.quote(clientName)
                + (token != null ? ",\"token\":" + Json.quote(token) : "") + "}";
        byte[] payload = new LeWriter().u16(VplatClient.PROTOCOL_MAJOR).u16(VplatClient.PROTOCOL_MINOR)
                .u32(role.wire()).utf8(json).toBytes();
        return call(Op.HELLO, payload).thenApply(f -> {
            LeReader r = new LeReader(f.payload());
            return ServerHello.parse(r.u16(), r.u16(), r.utf8(r.remaining()));
        });
    }
}
