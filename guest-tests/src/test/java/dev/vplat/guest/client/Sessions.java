package dev.vplat.guest.client;

/** Test helper for the one asynchronous step of the server: a closed session exits after its connection is seen closed. */
final class Sessions {
    private Sessions() {
    }

    /**
     * MACHINE_INFO once {@code observer} is the only session left. The server runs a session's
     * exit when Netty reports the connection inactive, which may come after the BYE reply; this
     * asks again (bounded) until the exit has run, rather than sleeping a guessed time.
     */
    static MachineInfo afterOthersExit(VplatClient observer) {
        MachineInfo info = observer.machineInfo();
        for (int i = 0; i < 500 && info.counter("sessions") > 1; i++) {
            Thread.onSpinWait();
            info = observer.machineInfo();
        }
        return info;
    }
}
