package dev.peftbench.packaging;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.spi.ToolProvider;

/** The JDK's tools (jdeps, jlink, jpackage) and the operating system's (tar), run with their output kept for a failure. */
final class Tools {
    private Tools() {
    }

    /** A JDK tool in this JVM; its standard output, or a failure naming the command and what it said. */
    static String jdk(String tool, List<String> args) {
        ToolProvider provider = ToolProvider.findFirst(tool).orElseThrow(() ->
                new IllegalStateException(tool + " is not in this JDK (" + System.getProperty("java.home") + "): package with a full JDK 22+"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        long start = System.nanoTime();
        int code = provider.run(new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new));
        if (code != 0) {
            String command = String.join(" ", args);
            throw new IllegalStateException(tool + " failed (exit " + code + "): " + tool + " "
                    + (command.length() > 400 ? command.substring(0, 400) + "..." : command) + "\n" + out + err);
        }
        System.out.printf("packaging: %s done in %.1f s%n", tool, (System.nanoTime() - start) / 1e9);
        return out.toString();
    }

    /** A program of the operating system (or a JDK tool as a process, to give it an environment), its output passed through. */
    static void process(Path directory, Map<String, String> env, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).directory(directory.toFile()).inheritIO();
        builder.environment().putAll(env);
        long start = System.nanoTime();
        int code = builder.start().waitFor();
        if (code != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (exit " + code + ")");
        }
        System.out.printf("packaging: %s done in %.1f s%n", Path.of(command.getFirst()).getFileName(), (System.nanoTime() - start) / 1e9);
    }
}
