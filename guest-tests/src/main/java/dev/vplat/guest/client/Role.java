package dev.vplat.guest.client;

/**
 * Who a session speaks for (PROTOCOL.md "Roles"): a guest is the machine-level view (firmware or
 * a kernel driver under test, and root for process calls); a user is an unprivileged process.
 */
public enum Role {
    USER(0), GUEST(1);

    private final int wire;

    Role(int wire) {
        this.wire = wire;
    }

    /** The u32 value HELLO carries. */
    public int wire() {
        return wire;
    }
}
