package dev.peftbench.contract;


import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The tiny BLOOM and its prompt-tuning adapter in {@code sample-data/models}: the lowest layer of
 * {@link ModelFields#resolve} for the command line and the workbench, so a fresh clone runs offline.
 * Found under {@code peftbench.home} (set by ./peftbench), else from the working directory up.
 */
public final class BundledSample {

    public static final String MODEL = "tiny-bloom";
    public static final String ADAPTER = "tiny-bloom-prompt-tuning";

    private BundledSample() {
    }

    public static Path folder() {
        String home = System.getProperty("peftbench.home");
        if (home != null && !home.isBlank()) {
            return Path.of(home, "sample-data", "models");
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("sample-data").resolve("models");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return Path.of("sample-data", "models").toAbsolutePath();
    }

    /** The sample model with its adapter (when present): what runs when nothing names a model. */
    public static ModelFields fields() {
        Path adapter = folder().resolve(ADAPTER);
        return ModelFields.of(folder().resolve(MODEL).toString(), Files.isDirectory(adapter) ? adapter.toString() : null);
    }
}
