package dev.peftbench.engine.load;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.hub.DownloadListener;
import dev.peftbench.engine.hub.HubSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hub ids resolve inside the local Hugging Face cache exactly where huggingface_hub puts snapshots. */
class HfSnapshotTest {

    private static Path snapshot(Path cache, String id, String revision, boolean withRef) throws IOException {
        Path repo = cache.resolve("models--" + id.replace("/", "--"));
        Path snap = Files.createDirectories(repo.resolve("snapshots").resolve(revision));
        Files.writeString(snap.resolve("config.json"), "{}");
        if (withRef) {
            Files.createDirectories(repo.resolve("refs"));
            Files.writeString(repo.resolve("refs/main"), revision + "\n");
        }
        return snap;
    }

    /** Offline, so a test never reaches the real Hub. */
    private static Path resolve(String spec, Map<String, String> env, Path home) {
        Map<String, String> offline = new java.util.HashMap<>(env);
        offline.put("HF_HUB_OFFLINE", "1");
        return HfSnapshot.resolve(spec, HubSettings.fromEnvironment(offline, home), DownloadListener.NONE);
    }

    @Test
    void hubIdResolvesThroughRefsMainInHfHubCache(@TempDir Path tmp) throws IOException {
        Path cache = tmp.resolve("cache");
        snapshot(cache, "bigscience/bloomz-560m", "aaaa", false);
        Path pinned = snapshot(cache, "bigscience/bloomz-560m", "bbbb", true);
        assertEquals(pinned, resolve("bigscience/bloomz-560m", Map.of("HF_HUB_CACHE", cache.toString()), tmp.resolve("home")));
    }

    @Test
    void hubIdResolvesUnderHfHomeAndTheDefaultCache(@TempDir Path tmp) throws IOException {
        Path viaHome = snapshot(tmp.resolve("hfhome/hub"), "org/a", "r1", true);
        Path viaDefault = snapshot(tmp.resolve("home/.cache/huggingface/hub"), "org/b", "r2", false);
        Map<String, String> env = Map.of("HF_HOME", tmp.resolve("hfhome").toString());
        assertEquals(viaHome, resolve("org/a", env, tmp.resolve("home")));
        assertEquals(viaDefault, resolve("org/b", env, tmp.resolve("home")));
        assertEquals(List.of("org/a", "org/b"), HfSnapshot.cachedModels(HubSettings.fromEnvironment(env, tmp.resolve("home")).caches()));
    }

    @Test
    void aSnapshotWithoutItsConfigIsNotTakenForAModel(@TempDir Path tmp) throws IOException {
        Path cache = tmp.resolve("cache");
        Path cut = snapshot(cache, "org/cut-short", "abcd", true);
        Files.delete(cut.resolve("config.json"));
        Files.writeString(cut.resolve("tokenizer.json"), "{}");
        assertThrows(EngineException.class, () -> resolve("org/cut-short", Map.of("HF_HUB_CACHE", cache.toString()), tmp));
        assertEquals(List.of(), HfSnapshot.cachedModels(List.of(cache)));
    }

    @Test
    void missingHubIdOfflineNamesEveryPlaceLookedAtAndHowToDownload(@TempDir Path tmp) {
        Map<String, String> env = Map.of("HF_HUB_CACHE", tmp.resolve("c1").toString(), "HF_HOME", tmp.resolve("h").toString());
        EngineException e = assertThrows(EngineException.class, () -> resolve("aipipeline/missing", env, tmp.resolve("home")));
        assertEquals(EngineException.Kind.NOT_FOUND, e.kind());
        String m = e.getMessage();
        assertTrue(m.contains(tmp.resolve("c1/models--aipipeline--missing").toString()), m);
        assertTrue(m.contains(tmp.resolve("h/hub/models--aipipeline--missing").toString()), m);
        assertTrue(m.contains(tmp.resolve("home/.cache/huggingface/hub/models--aipipeline--missing").toString()), m);
        assertTrue(m.contains("HF_HUB_OFFLINE") && m.contains("./peftbench pull aipipeline/missing"), m);
    }

    @Test
    void existingFolderIsTakenAsItIs(@TempDir Path tmp) {
        assertEquals(tmp, resolve(tmp.toString(), Map.of(), tmp));
    }
}
