package dev.peftbench.serve.cli;

import dev.peftbench.contract.FieldFlags;
import dev.peftbench.engine.EngineException;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;

/**
 * How every command of {@code ./peftbench} (and the runtime image's server) reports what went wrong:
 * one line {@code error: ...} on stderr that says what to fix, never a stack trace, an engine error naming each
 * field it is about as its flag ({@link FieldFlags}); exit 1 for a failure, 2 for a command line that does not parse.
 */
public final class CommandLines {

    public static final int FAILED = 1;
    public static final int USAGE = 2;

    private CommandLines() {
    }

    /** The JDK's setting for how many carrier threads run virtual threads (default: one per core). */
    static final String CARRIERS = "jdk.virtualThreadScheduler.parallelism";
    /**
     * Carriers for virtual threads at least, whatever the core count: a virtual thread busy computing
     * (parsing a large request) is never preempted, so with one carrier per core a few large requests
     * would hold them all and the health probes would wait; with more carriers than cores the operating
     * system shares the cores among them.
     */
    static final int MIN_CARRIERS = 8;

    /** {@code root} as a process: one log output for the whole process, the error printing, the exit code. */
    public static void main(Object root, String[] args) {
        // before the first virtual thread: the JDK reads it once, when it creates its scheduler
        if (System.getProperty(CARRIERS) == null) {
            System.setProperty(CARRIERS, String.valueOf(Math.max(MIN_CARRIERS, Runtime.getRuntime().availableProcessors())));
        }
        // Helidon logs through java.util.logging; one log format for the whole process
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        System.exit(of(root).execute(args));
    }

    /** The command tree of {@code root} with the shared error printing. */
    public static CommandLine of(Object root) {
        return new CommandLine(root)
                .setParameterExceptionHandler((e, args) -> {
                    CommandLine cmd = e.getCommandLine();
                    cmd.getErr().println("error: " + e.getMessage() + " (see: " + cmd.getCommandSpec().qualifiedName() + " --help)");
                    cmd.getErr().flush();
                    return USAGE;
                })
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("error: " + (e instanceof EngineException ee ? ee.message(FieldFlags::of)
                            : e.getMessage() == null ? e.toString() : e.getMessage()));
                    cmd.getErr().flush();
                    if (!(e instanceof EngineException || e instanceof IllegalArgumentException)) {
                        LoggerFactory.getLogger(CommandLines.class).debug("failure", e);
                    }
                    return FAILED;
                });
    }
}
