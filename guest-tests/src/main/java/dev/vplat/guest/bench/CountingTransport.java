package dev.vplat.guest.bench;

import dev.vplat.guest.client.Frame;
import dev.vplat.guest.client.Transport;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/** Counts the requests a client sends, so a workload's round trips per operation are measured, not assumed. */
final class CountingTransport implements Transport {
    private final Transport inner;
    private final AtomicLong sent = new AtomicLong();

    CountingTransport(Transport inner) {
        this.inner = inner;
    }

    long sent() {
        return sent.get();
    }

    @Override
    public void send(Frame frame) throws IOException {
        sent.incrementAndGet();
        inner.send(frame);
    }

    @Override
    public Frame receive() throws IOException {
        return inner.receive();
    }

    @Override
    public void maxPayload(int limit) {
        inner.maxPayload(limit);
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
