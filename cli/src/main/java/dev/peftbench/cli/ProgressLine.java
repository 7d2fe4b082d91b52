package dev.peftbench.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.lang.reflect.Method;

/**
 * One line of progress on stderr, so stdout stays for the answer: on a terminal redrawn in place, elsewhere
 * (a log, a pipe) printed once per tenth of the work.
 */
final class ProgressLine {

    private final PrintWriter err;
    private final boolean terminal;
    private int lastTenth = -1;
    private int lastLength;
    private boolean drawn;

    ProgressLine(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /** Whether stderr is a terminal a line can be redrawn on. */
    static boolean stderrIsTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            // JDK 22+ has a Console even when redirected, and says whether it is a terminal.
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (boolean) isTerminal.invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    boolean terminal() {
        return terminal;
    }

    /** Shows {@code line}: on a terminal in place of the last one, elsewhere only when {@code tenth} moved on. */
    void show(String line, int tenth) {
        if (terminal) {
            err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
            lastLength = line.length();
            drawn = true;
        } else {
            if (tenth == lastTenth) {
                return;
            }
            lastTenth = tenth;
            err.println(line);
        }
        err.flush();
    }

    /** Ends a redrawn line, so what comes next starts on its own. */
    void finish() {
        if (drawn) {
            err.println();
            err.flush();
            drawn = false;
        }
    }
}
