package dev.peftbench.cli;

import dev.peftbench.engine.hub.DownloadListener;
import dev.peftbench.engine.hub.DownloadProgress;

import java.io.PrintWriter;

/**
 * A download's progress on stderr: on a terminal one bar redrawn in place
 * ({@code [=======>      ]  52%  3/7 files, 540.2 MB / 1.1 GB, 31.0 MB/s, ETA 0:18}), elsewhere (a log,
 * a pipe) one line per tenth, so stdout stays for the answer.
 */
final class DownloadBar implements DownloadListener {

    private static final int WIDTH = 30;

    private final ProgressLine line;

    DownloadBar(PrintWriter err, boolean terminal) {
        this.line = new ProgressLine(err, terminal);
    }

    @Override
    public void progress(DownloadProgress p) {
        if (line.terminal()) {
            int filled = (int) Math.round(p.fraction() * WIDTH);
            String bar = "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "");
            line.show(String.format("%s [%s] %3.0f%%  %s", p.repo(), bar, p.fraction() * 100, p.describe()), 0);
        } else {
            // A line per tenth, and the last one once every file is in place.
            int tenth = p.files() > 0 && p.filesDone() == p.files() ? 11 : (int) (p.fraction() * 10);
            line.show(String.format("downloading %s %3.0f%%  %s", p.repo(), Math.floor(p.fraction() * 100), p.describe()), tenth);
        }
    }

    /** Ends the bar's line. */
    void finish() {
        line.finish();
    }
}
