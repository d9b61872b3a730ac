package dev.dnsflow.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import picocli.CommandLine;

/** One run of a CLI command in-process, as a user would see it: exit code, stdout, stderr. */
public record CliRun(int code, String out, String err) {

    public List<String> lines() {
        return out.lines().toList();
    }

    /** Runs {@code command} (a picocli command object) with {@code args}. */
    public static CliRun of(Object command, String... args) {
        return run(new CommandLine(command), args);
    }

    /** Runs {@code dnsflow ARGS} as the jar does, with its one-line error handling. */
    public static CliRun dnsflow(String... args) {
        return run(dev.dnsflow.sidecar.Main.commandLine(), args);
    }

    private static CliRun run(CommandLine cmd, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
