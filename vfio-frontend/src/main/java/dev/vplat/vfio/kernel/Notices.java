package dev.vplat.vfio.kernel;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The host kernel's console: one-line notices about things that happened to the machine
 * without anyone asking (a device model fenced after it threw), for whoever listens — the
 * protocol server sends each as an {@code EVENT_LOG} to guest-role sessions, much as a Linux
 * driver's {@code dev_err()} reaches the kernel log rather than the process that triggered it.
 * Posted on the machine thread; listeners run there, in registration order, and must not block.
 */
public final class Notices {
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

    /** Tells every listener; a notice nobody listens to is dropped. */
    public void post(String line) {
        for (Consumer<String> l : listeners) {
            l.accept(line);
        }
    }

    public void addListener(Consumer<String> listener) {
        listeners.add(listener);
    }

    public void removeListener(Consumer<String> listener) {
        listeners.remove(listener);
    }
}
