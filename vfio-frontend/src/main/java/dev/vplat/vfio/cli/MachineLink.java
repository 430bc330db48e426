package dev.vplat.vfio.cli;

/** What the inspecting commands need from a machine: a running server's, or an embedded one's. */
public interface MachineLink extends AutoCloseable {
    String machineInfo();

    byte[] memRead(long addr, int size);

    void memWrite(long addr, byte[] data);

    long pioRead(int port, int width);

    void pioWrite(int port, int width, long value);

    @Override
    void close();
}
