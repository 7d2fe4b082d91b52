package dev.peftbench.serve.cli;

import dev.peftbench.engine.hub.DownloadListener;
import dev.peftbench.engine.hub.DownloadProgress;

import java.io.Console;
import java.io.PrintWriter;
import java.lang.reflect.Method;

/**
 * A download's progress on stderr: on a terminal one bar redrawn in place
 * ({@code [=======>      ]  52%  3/7 files, 540.2 MB / 1.1 GB, 31.0 MB/s, ETA 0:18}), elsewhere (a log,
 * a pipe) one line per tenth, so stdout stays for the answer.
 */
final class DownloadBar implements DownloadListener {

    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final boolean terminal;
    private int lastTenth = -1;
    private int lastLength;
    private boolean drawn;

    DownloadBar(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /** Whether stderr is a terminal the bar can be redrawn on. */
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

    @Override
    public void progress(DownloadProgress p) {
        if (terminal) {
            int filled = (int) Math.round(p.fraction() * WIDTH);
            String bar = "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "");
            String line = String.format("%s [%s] %3.0f%%  %s", p.repo(), bar, p.fraction() * 100, p.describe());
            err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
            lastLength = line.length();
            drawn = true;
        } else {
            // A line per tenth, and the last one once every file is in place.
            int tenth = p.files() > 0 && p.filesDone() == p.files() ? 11 : (int) (p.fraction() * 10);
            if (tenth == lastTenth) {
                return;
            }
            lastTenth = tenth;
            err.printf("downloading %s %3.0f%%  %s%n", p.repo(), Math.floor(p.fraction() * 100), p.describe());
        }
        err.flush();
    }

    /** Ends the bar's line. */
    void finish() {
        if (drawn) {
            err.println();
            err.flush();
            drawn = false;
        }
    }
}
