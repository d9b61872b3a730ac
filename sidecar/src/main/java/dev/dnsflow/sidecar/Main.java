package dev.dnsflow.sidecar;

import dev.dnsflow.cli.CorefileCommand;
import dev.dnsflow.cli.DemoCommand;
import dev.dnsflow.cli.DiagnoseCommand;
import dev.dnsflow.cli.InstallCommand;
import dev.dnsflow.cli.NodelocalCommand;
import dev.dnsflow.cli.ObserveCommand;
import dev.dnsflow.cli.ProxyCommand;
import dev.dnsflow.cli.StatusCommand;
import dev.dnsflow.cli.UninstallCommand;
import dev.dnsflow.net.NettyDefaults;
import java.io.IOException;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;

/** The {@code dnsflow} command: every subcommand of the single runnable jar is listed here. */
@Command(name = "dnsflow", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {
            "A DNS proxy between CoreDNS and its upstream that records every query as a flow:",
            "who asked, the ID CoreDNS used, the ID sent upstream, each attempt and how it ended.",
            "",
            "Start with:  dnsflow demo"},
        subcommands = {ProxyCommand.class, SidecarCommand.class, NodelocalCommand.class, DemoCommand.class, ObserveCommand.class, CorefileCommand.class,
            DiagnoseCommand.class, InstallCommand.class, UninstallCommand.class, StatusCommand.class, HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        NettyDefaults.apply();
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).setUsageHelpWidth(100)
                .setParameterExceptionHandler(Main::shortError).setExecutionExceptionHandler(Main::failure);
    }

    /**
     * A failure the user can act on (port in use, file not writable, server unreachable) is one line
     * and exit code 1; anything else is a bug and keeps its stack trace.
     */
    private static int failure(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) throws Exception {
        if (e instanceof IllegalStateException || e instanceof IllegalArgumentException
                || e instanceof UncheckedIOException || e instanceof IOException) {
            cmd.getErr().println(cmd.getColorScheme().errorText("dnsflow " + cmd.getCommandName() + ": " + e.getMessage()));
            return 1;
        }
        throw e;
    }

    /** A bad flag gets one line naming it and a pointer to --help, not the whole usage. */
    private static int shortError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        cmd.getErr().println(cmd.getColorScheme().errorText("dnsflow " + cmd.getCommandName() + ": " + e.getMessage()));
        cmd.getErr().println("Try 'dnsflow " + (cmd.getParent() == null ? "" : cmd.getCommandName() + " ") + "--help'.");
        return cmd.getExitCodeExceptionMapper() != null ? cmd.getExitCodeExceptionMapper().getExitCode(e)
                : cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The version from the jar's manifest (the Maven project version). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"dnsflow " + (v == null ? "development build" : v)};
        }
    }
}
