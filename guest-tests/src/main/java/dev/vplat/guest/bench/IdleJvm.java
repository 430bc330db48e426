package dev.vplat.guest.bench;

import java.io.IOException;

/**
 * The start-up and memory baseline: a JVM on the same class path that prints {@code ready} and
 * then idles until its standard input closes. What {@code vplat serve} costs beyond it is the
 * machine, the host kernel and the server.
 */
public final class IdleJvm {
    private IdleJvm() {
    }

    public static void main(String[] args) throws IOException {
        System.out.println("ready");
        System.out.flush();
        while (System.in.read() >= 0) {
            Thread.onSpinWait();
        }
    }
}
