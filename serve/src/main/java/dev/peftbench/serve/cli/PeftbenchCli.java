package dev.peftbench.serve.cli;

import dev.peftbench.engine.EngineException;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./peftbench <command>}: the root of the headless commands. Errors in a value the user gave
 * are printed as one line, not a stack trace.
 */
@Command(name = "peftbench", mixinStandardHelpOptions = true, subcommands = {GenerateCommand.class, ServeCommand.class, BenchCommand.class, MakeRandomModelCommand.class, PullCommand.class},
        description = "PEFT Workbench: serve and run Hugging Face causal LMs with PEFT adapters.")
public final class PeftbenchCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        // Helidon logs through java.util.logging; one log format for the whole process
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        System.exit(commandLine().execute(args));
    }

    /** The command tree with its error handling: users get the message (it says what to fix), never a stack trace. */
    static CommandLine commandLine() {
        return new CommandLine(new PeftbenchCli())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    boolean userError = e instanceof EngineException || e instanceof IllegalArgumentException;
                    cmd.getErr().println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
                    if (!userError) {
                        LoggerFactory.getLogger(PeftbenchCli.class).debug("failure", e);
                    }
                    cmd.getErr().flush();
                    return 1;
                });
    }
}
