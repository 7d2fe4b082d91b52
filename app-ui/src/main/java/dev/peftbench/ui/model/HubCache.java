package dev.peftbench.ui.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The local Hugging Face cache ({@code models--owner--name/snapshots/...}), listed as Hub ids so the
 * user can pick a downloaded model without knowing where the cache keeps it. The engine resolves the
 * id itself; this only lists.
 */
public final class HubCache {
    private final Path root;

    public HubCache(Path root) {
        this.root = root;
    }

    /** {@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code ~/.cache/huggingface/hub}, as huggingface_hub does. */
    public static HubCache standard() {
        String hubCache = System.getenv("HF_HUB_CACHE");
        if (hubCache != null && !hubCache.isBlank()) {
            return new HubCache(Path.of(hubCache));
        }
        String hfHome = System.getenv("HF_HOME");
        Path home = hfHome != null && !hfHome.isBlank() ? Path.of(hfHome)
                : Path.of(System.getProperty("user.home"), ".cache", "huggingface");
        return new HubCache(home.resolve("hub"));
    }

    public Path root() {
        return root;
    }

    /** Hub ids with at least one snapshot, sorted; empty when there is no cache. */
    public List<String> modelIds() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(root)) {
            return entries
                    .filter(p -> p.getFileName().toString().startsWith("models--"))
                    .filter(p -> Files.isDirectory(p.resolve("snapshots")))
                    .map(p -> p.getFileName().toString().substring("models--".length()).replace("--", "/"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
