package dev.vplat.guest.bench;

import dev.vplat.vfio.cli.SubcommandProvider;

/** Contributes {@code vplat bench} to the CLI (listed in META-INF/services). */
public final class BenchCommandProvider implements SubcommandProvider {
    @Override
    public Object subcommand() {
        return new BenchCommand();
    }
}
