package dev.peftbench.cli;

import dev.peftbench.serve.cli.CommandLines;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

/** What a {@code ./peftbench} command did: its exit code, stdout and stderr. */
record CliRun(int code, String out, String err) {

    /** The command through the root, in this JVM (with this process's environment), as the launcher runs it. */
    static CliRun inProcess(String... args) {
        System.setProperty("peftbench.home", Path.of("..").toAbsolutePath().normalize().toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = CommandLines.of(new PeftbenchCli());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return new CliRun(cli.execute(args), out.toString(), err.toString());
    }
}
