package dev.peftbench.cli;

import dev.peftbench.contract.BuildInfo;
import dev.peftbench.publish.cli.ImageCommand;
import dev.peftbench.publish.cli.PublishCommand;
import dev.peftbench.serve.cli.CommandLines;
import dev.peftbench.serve.cli.ServeCommand;
import dev.peftbench.ui.UiCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * {@code ./peftbench}: every command from one root, with one way of printing errors
 * ({@link CommandLines}). A new command is one line in {@code subcommands}.
 */
@Command(name = "peftbench", mixinStandardHelpOptions = true, versionProvider = PeftbenchCli.Version.class,
        description = "PEFT Workbench: run, serve and publish Hugging Face causal LMs with PEFT adapters.",
        footer = {"", "./peftbench test runs the whole test suite (the launcher hands it to Maven).",
                "./peftbench without a command opens the workbench (ui)."},
        subcommands = {
                GenerateCommand.class,
                BenchCommand.class,
                MakeRandomModelCommand.class,
                ServeCommand.class,
                PublishCommand.class,
                ImageCommand.class,
                UiCommand.class,
                PullCommand.class,
                TuneCommand.class,
                EvalCommand.class,
        })
public final class PeftbenchCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Every launcher's entry point: {@code ./peftbench}, {@code peftbench.cmd} and the installed app's
     * {@code bin/peftbench}. Nothing to do means the workbench window, as a desktop icon starts it.
     */
    public static void main(String[] args) {
        CommandLines.main(new PeftbenchCli(), args.length == 0 ? new String[] {"ui"} : args);
    }

    /** {@code --version}: the build (version, commit) and the Java running it. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return BuildInfo.current().describe().toArray(String[]::new);
        }
    }
}
