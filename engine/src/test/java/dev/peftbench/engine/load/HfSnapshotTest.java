package dev.peftbench.engine.load;

import dev.peftbench.engine.EngineException;
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

    @Test
    void hubIdResolvesThroughRefsMainInHfHubCache(@TempDir Path tmp) throws IOException {
        Path cache = tmp.resolve("cache");
        snapshot(cache, "bigscience/bloomz-560m", "aaaa", false);
        Path pinned = snapshot(cache, "bigscience/bloomz-560m", "bbbb", true);
        Path resolved = HfSnapshot.resolve("bigscience/bloomz-560m", Map.of("HF_HUB_CACHE", cache.toString()), tmp.resolve("home"));
        assertEquals(pinned, resolved);
    }

    @Test
    void hubIdResolvesUnderHfHomeAndTheDefaultCache(@TempDir Path tmp) throws IOException {
        Path viaHome = snapshot(tmp.resolve("hfhome/hub"), "org/a", "r1", true);
        Path viaDefault = snapshot(tmp.resolve("home/.cache/huggingface/hub"), "org/b", "r2", false);
        Map<String, String> env = Map.of("HF_HOME", tmp.resolve("hfhome").toString());
        assertEquals(viaHome, HfSnapshot.resolve("org/a", env, tmp.resolve("home")));
        assertEquals(viaDefault, HfSnapshot.resolve("org/b", env, tmp.resolve("home")));
        assertEquals(List.of("org/a", "org/b"), HfSnapshot.cachedModels(env, tmp.resolve("home")));
    }

    @Test
    void missingHubIdNamesEveryPlaceLookedAtAndHowToDownload(@TempDir Path tmp) {
        Map<String, String> env = Map.of("HF_HUB_CACHE", tmp.resolve("c1").toString(), "HF_HOME", tmp.resolve("h").toString());
        EngineException e = assertThrows(EngineException.class,
                () -> HfSnapshot.resolve("aipipeline/missing", env, tmp.resolve("home")));
        assertEquals(EngineException.Kind.NOT_FOUND, e.kind());
        String m = e.getMessage();
        assertTrue(m.contains(tmp.resolve("c1/models--aipipeline--missing").toString()), m);
        assertTrue(m.contains(tmp.resolve("h/hub/models--aipipeline--missing").toString()), m);
        assertTrue(m.contains(tmp.resolve("home/.cache/huggingface/hub/models--aipipeline--missing").toString()), m);
        assertTrue(m.contains("huggingface-cli download aipipeline/missing"), m);
    }

    @Test
    void existingFolderIsTakenAsItIs(@TempDir Path tmp) {
        assertEquals(tmp, HfSnapshot.resolve(tmp.toString(), Map.of(), tmp));
    }
}
