package dev.peftbench.engine.load;

import dev.peftbench.engine.EngineException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Turns what a user typed into a snapshot folder: an existing directory, or a Hub id
 * ({@code ORG/NAME}) found in the local Hugging Face cache the way huggingface_hub lays it out:
 * {@code <cache>/models--ORG--NAME/snapshots/<revision>}, the revision read from {@code refs/main}.
 * Nothing is downloaded.
 */
public final class HfSnapshot {

    private static final Pattern HUB_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*");

    private HfSnapshot() {
    }

    public static Path resolve(String spec) {
        return resolve(spec, System.getenv(), Path.of(System.getProperty("user.home")));
    }

    static Path resolve(String spec, Map<String, String> env, Path home) {
        if (spec == null || spec.isBlank()) {
            throw EngineException.invalid("no model or adapter given");
        }
        Path asPath = Path.of(spec);
        if (Files.isDirectory(asPath)) {
            return asPath;
        }
        if (!HUB_ID.matcher(spec).matches()) {
            throw EngineException.notFound("folder " + asPath.toAbsolutePath() + " does not exist");
        }
        List<Path> looked = new ArrayList<>();
        looked.add(asPath.toAbsolutePath());
        for (Path cache : cacheDirs(env, home)) {
            Path repo = cache.resolve("models--" + spec.replace("/", "--"));
            looked.add(repo);
            Path snapshot = snapshot(repo);
            if (snapshot != null) {
                return snapshot;
            }
        }
        throw EngineException.notFound("'" + spec + "' is neither a folder nor a model in the local Hugging Face cache; looked in: "
                + looked.stream().map(Path::toString).toList()
                + ". Download it first (no network is used at run time), e.g. `huggingface-cli download " + spec
                + "` or `git clone https://huggingface.co/" + spec + "`, then pass the folder or retry the id");
    }

    /** The cache folders huggingface_hub uses for this process's environment, in its order of precedence. */
    public static List<Path> cacheDirs() {
        return cacheDirs(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /** The cache folders huggingface_hub uses, in its order of precedence. */
    static List<Path> cacheDirs(Map<String, String> env, Path home) {
        Set<Path> dirs = new LinkedHashSet<>();
        if (env.get("HF_HUB_CACHE") != null && !env.get("HF_HUB_CACHE").isBlank()) {
            dirs.add(Path.of(env.get("HF_HUB_CACHE")));
        }
        if (env.get("HF_HOME") != null && !env.get("HF_HOME").isBlank()) {
            dirs.add(Path.of(env.get("HF_HOME")).resolve("hub"));
        }
        dirs.add(home.resolve(".cache/huggingface/hub"));
        return List.copyOf(dirs);
    }

    private static Path snapshot(Path repo) {
        Path snapshots = repo.resolve("snapshots");
        if (!Files.isDirectory(snapshots)) {
            return null;
        }
        try {
            Path ref = repo.resolve("refs/main");
            if (Files.isRegularFile(ref)) {
                Path pinned = snapshots.resolve(Files.readString(ref).trim());
                if (Files.isDirectory(pinned)) {
                    return pinned;
                }
            }
            try (Stream<Path> revisions = Files.list(snapshots)) {
                List<Path> all = revisions.filter(Files::isDirectory).toList();
                return all.size() == 1 ? all.getFirst() : null;
            }
        } catch (IOException e) {
            return null;
        }
    }

    /** Hub ids of the models in the local cache (for pickers); empty when there is no cache. */
    public static List<String> cachedModels() {
        return cachedModels(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    static List<String> cachedModels(Map<String, String> env, Path home) {
        Set<String> ids = new LinkedHashSet<>();
        for (Path cache : cacheDirs(env, home)) {
            ids.addAll(cachedModelsIn(cache));
        }
        return List.copyOf(ids);
    }

    /** Hub ids with a usable snapshot in one cache folder, sorted; empty when it does not exist. */
    public static List<String> cachedModelsIn(Path cache) {
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        try (Stream<Path> repos = Files.list(cache)) {
            return repos.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("models--"))
                    .map(n -> n.substring("models--".length()).replaceFirst("--", "/"))
                    .filter(id -> snapshot(cache.resolve("models--" + id.replace("/", "--"))) != null)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
