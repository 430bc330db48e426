package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.uapi.Uapi;

/**
 * One row of the iommufd ioctl table (main.c IOCTL_OP): the exact request code, the struct the
 * kernel knows, the minimum size a caller must pass (offsetofend of the last mandatory member)
 * and the handler, which sees only a decoded struct.
 */
public record IoctlOp<T extends Record>(int request, Class<T> struct, int size, int minSize, Handler<T> handler) {
    /** What runs once the size rules have passed; returns the ioctl's value or throws an errno. */
    @FunctionalInterface
    public interface Handler<T extends Record> {
        long execute(Ucmd<T> ucmd);
    }

    public static <T extends Record> IoctlOp<T> of(int request, Class<T> struct, String lastMandatory, Handler<T> h) {
        return new IoctlOp<>(request, struct, Uapi.sizeOf(struct), Uapi.offsetOfEnd(struct, lastMandatory), h);
    }
}
