package dev.vplat.vfio.cli;

/** A running server, reached as a guest-role session. */
final class RemoteLink implements MachineLink {
    private final WireClient client;

    RemoteLink(String target, String token) {
        client = WireClient.connect(target);
        try {
            client.hello(1, token);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    @Override
    public String machineInfo() {
        return client.machineInfo();
    }

    @Override
    public byte[] memRead(long addr, int size) {
        return client.memRead(addr, size);
    }

    @Override
    public void memWrite(long addr, byte[] data) {
        client.memWrite(addr, data);
    }

    @Override
    public long pioRead(int port, int width) {
        return client.pioRead(port, width);
    }

    @Override
    public void pioWrite(int port, int width, long value) {
        client.pioWrite(port, width, value);
    }

    @Override
    public void close() {
        client.close();
    }
}
