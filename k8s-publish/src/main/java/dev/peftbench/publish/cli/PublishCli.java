package dev.peftbench.publish.cli;

import dev.peftbench.publish.cluster.PublishException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./peftbench publish ...}: the cluster commands, run by the launcher with their own (headless,
 * engine-free) classpath. Failures print one line; exit 1 for failures, 2 for usage errors.
 */
@Command(name = "peftbench", mixinStandardHelpOptions = true, subcommands = {PublishCommand.class, ImageCommand.class},
        description = "PEFT Workbench cluster commands.")
public final class PublishCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new PublishCli()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            boolean known = e instanceof PublishException || e instanceof IllegalArgumentException;
            cmd.getErr().println("error: " + (known || e.getMessage() != null ? e.getMessage() : e.toString()));
            cmd.getErr().flush();
            return 1;
        });
    }
}
