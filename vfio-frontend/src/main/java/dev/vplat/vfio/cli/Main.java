package dev.vplat.vfio.cli;

import picocli.AutoComplete;
import picocli.CommandLine;

import java.io.UncheckedIOException;
import java.util.ServiceLoader;
import java.util.function.Supplier;

/**
 * Entry point of {@code ./vplat}. Exit codes follow Picocli: 0 success, 1 a failure while
 * running (printed as one line saying what went wrong), 2 a usage error.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(commandLine(args.length > 0 ? args[0] : null).execute(args));
    }

    /** The full command tree: built-in commands, {@code completion}, and those of {@link SubcommandProvider}s. */
    public static CommandLine commandLine() {
        return commandLine(null);
    }

    /**
     * The command tree for a command line whose first argument is {@code first}: only that
     * subcommand when it is a built-in one, the full tree otherwise (help, completion, the
     * providers' commands). Picocli builds each command's model by reflection, which costs a
     * large share of {@code vplat serve}'s start-up for commands that will not run.
     */
    static CommandLine commandLine(String first) {
        CommandLine cl = new CommandLine(new VplatCommand());
        Supplier<Object> only = first == null ? null : VplatCommand.BUILT_IN.get(first);
        if (only != null) {
            cl.addSubcommand(only.get());
        } else {
            VplatCommand.BUILT_IN.values().forEach(c -> cl.addSubcommand(c.get()));
            cl.addSubcommand("completion", new AutoComplete.GenerateCompletion());
            cl.getSubcommands().get("completion").getCommandSpec().usageMessage().hidden(false);
            for (SubcommandProvider p : ServiceLoader.load(SubcommandProvider.class)) {
                cl.addSubcommand(p.subcommand());
            }
        }
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("vplat " + cmd.getCommandName() + ": " + describe(ex));
            cmd.getErr().flush();
            return cmd.getCommandSpec().exitCodeOnExecutionException();
        });
        return cl;
    }

    private static String describe(Exception ex) {
        if (ex instanceof UncheckedIOException u && u.getMessage() != null) {
            return u.getMessage();
        }
        return ex.getMessage() != null ? ex.getMessage() : ex.toString();
    }
}
