package dev.peftbench.engine.load;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.hub.CacheRepo;
import dev.peftbench.engine.hub.DownloadListener;
import dev.peftbench.engine.hub.FileSelection;
import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.engine.hub.RepoId;
import dev.peftbench.engine.hub.SnapshotDownload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Turns what a user typed into a snapshot folder: an existing directory, or a Hub id ({@code ORG/NAME})
 * found in the local Hugging Face cache the way huggingface_hub lays it out
 * ({@code <cache>/models--ORG--NAME/snapshots/<refs/main>}) — and when it is in no cache, downloaded into
 * it first (the files a load needs), unless {@link HubSettings#offline()} forbids the network.
 */
public final class HfSnapshot {

    private static final Logger LOG = LoggerFactory.getLogger(HfSnapshot.class);

    private HfSnapshot() {
    }

    /** @param listener hears the download's progress when there is one */
    public static Path resolve(String spec, HubSettings hub, DownloadListener listener) {
        if (spec == null || spec.isBlank()) {
            throw EngineException.invalid("no model or adapter given");
        }
        Path asPath;
        try {
            asPath = Path.of(spec);
        } catch (InvalidPathException e) {
            throw EngineException.invalid("'" + spec + "' is neither a folder nor a Hub id: " + e.getMessage());
        }
        if (Files.isDirectory(asPath)) {
            return asPath;
        }
        if (!RepoId.isValid(spec)) {
            throw EngineException.notFound("folder " + asPath.toAbsolutePath() + " does not exist");
        }
        RepoId repo = new RepoId(spec);
        List<Path> looked = new ArrayList<>();
        looked.add(asPath.toAbsolutePath());
        for (Path cache : hub.caches()) {
            CacheRepo cached = new CacheRepo(cache, repo);
            looked.add(cached.dir());
            Optional<Path> snapshot = cached.snapshot("main");
            if (snapshot.isPresent()) {
                return snapshot.get();
            }
        }
        if (hub.offline()) {
            throw EngineException.notFound("'" + spec + "' is neither a folder nor a model in the local Hugging Face cache; looked in: "
                    + looked.stream().map(Path::toString).toList() + ". " + HubSettings.HF_HUB_OFFLINE + "=1 forbids downloading it: unset "
                    + HubSettings.HF_HUB_OFFLINE + ", or download it where the Hub can be reached (`./peftbench pull " + spec
                    + "` or `huggingface-cli download " + spec + "`) and bring the cache folder along");
        }
        LOG.info("{} is in no local Hugging Face cache: downloading it from {} into {}", spec, hub.endpoint(), hub.downloadCache());
        try {
            return new SnapshotDownload(hub).download(repo, "main", FileSelection.FOR_LOAD, listener).snapshot();
        } catch (EngineException e) {
            if (e.kind() == EngineException.Kind.NOT_FOUND) {
                throw EngineException.notFound("'" + spec + "' is no folder (" + asPath.toAbsolutePath() + " does not exist) and "
                        + "no model on the Hub: " + e.getMessage());
            }
            throw e;
        }
    }

    /** Hub ids with a usable snapshot in the given caches (for pickers), each cache's sorted; empty without a cache. */
    public static List<String> cachedModels(List<Path> caches) {
        Set<String> ids = new LinkedHashSet<>();
        for (Path cache : caches) {
            ids.addAll(cachedModelsIn(cache));
        }
        return List.copyOf(ids);
    }

    private static List<String> cachedModelsIn(Path cache) {
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        try (Stream<Path> repos = Files.list(cache)) {
            return repos.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("models--"))
                    .map(n -> n.substring("models--".length()).replaceFirst("--", "/"))
                    .filter(id -> RepoId.isValid(id) && new CacheRepo(cache, new RepoId(id)).snapshot("main").isPresent())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
