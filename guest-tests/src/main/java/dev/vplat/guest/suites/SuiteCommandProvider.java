package dev.vplat.guest.suites;

import dev.vplat.vfio.cli.SubcommandProvider;

/** Contributes {@code vplat suite} to the CLI (listed in META-INF/services). */
public final class SuiteCommandProvider implements SubcommandProvider {
    @Override
    public Object subcommand() {
        return new SuiteCommand();
    }
}
