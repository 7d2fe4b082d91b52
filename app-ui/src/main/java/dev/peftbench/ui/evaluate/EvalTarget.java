package dev.peftbench.ui.evaluate;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * One adapter the Evaluate page compares: a folder or Hub id loaded on the current base model, or the base model
 * alone ({@code adapter} null, eval's {@code --adapter none}).
 */
public record EvalTarget(String adapter) {
    public static final EvalTarget BASE = new EvalTarget(null);

    public EvalTarget {
        adapter = adapter == null || adapter.isBlank() ? null : adapter.strip();
    }

    public boolean base() {
        return adapter == null;
    }

    /** How the page names it; {@code loadedAdapter} is the adapter the loaded model has (or null). */
    public String shown(String loadedAdapter) {
        return shortName() + (!base() && adapter.equals(loadedAdapter) ? "  (loaded)" : "");
    }

    /** The folder's own name (the page is narrow; the full path is in tooltips and the CSV), a Hub id as it is. */
    public String shortName() {
        if (base()) {
            return "base model (none)";
        }
        try {
            Path p = Path.of(adapter);
            return Files.isDirectory(p) && p.getFileName() != null ? p.getFileName().toString() : adapter;
        } catch (InvalidPathException e) {
            return adapter;
        }
    }
}
