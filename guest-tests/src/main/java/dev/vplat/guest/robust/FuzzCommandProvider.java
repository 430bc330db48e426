package dev.vplat.guest.robust;

import dev.vplat.vfio.cli.SubcommandProvider;

/** Contributes {@code vplat fuzz} to the CLI (listed in META-INF/services). */
public final class FuzzCommandProvider implements SubcommandProvider {
    @Override
    public Object subcommand() {
        return new FuzzCommand();
    }
}
