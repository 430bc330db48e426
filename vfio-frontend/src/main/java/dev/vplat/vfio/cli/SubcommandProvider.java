package dev.vplat.vfio.cli;

/**
 * Lets a higher module add subcommands to {@code vplat} (guest-tests adds {@code suite} and
 * {@code bench}) without this module knowing it: list the implementation in
 * {@code META-INF/services/dev.vplat.vfio.cli.SubcommandProvider}.
 */
public interface SubcommandProvider {
    /** A Picocli {@code @Command}-annotated object (or a {@code CommandLine}); its name comes from the annotation. */
    Object subcommand();
}
