package dev.peftbench.ui.model;

import dev.peftbench.engine.hub.HubSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HubCacheTest {
    @TempDir
    Path hub;

    private HubCache cache(Path root) {
        return new HubCache(new HubSettings(URI.create("http://127.0.0.1:9"), null, List.of(root), true));
    }

    private void snapshot(String folder, String file) throws Exception {
        Path snapshot = Files.createDirectories(hub.resolve(folder).resolve("snapshots").resolve("abc"));
        Files.writeString(snapshot.resolve(file), "{}");
    }

    @Test
    void listsTheHubIdsOfDownloadedModelsOnly() throws Exception {
        snapshot("models--bigscience--bloomz-560m", "config.json");
        snapshot("models--someone--adapter", "adapter_config.json");
        snapshot("models--cut--short", "tokenizer.json");
        Files.createDirectories(hub.resolve("models--half--downloaded").resolve("blobs"));
        Files.createDirectories(hub.resolve("datasets--x--y").resolve("snapshots"));

        assertEquals(List.of("bigscience/bloomz-560m", "someone/adapter"), cache(hub).modelIds());
    }

    @Test
    void noCacheMeansNoModels() {
        assertEquals(List.of(), cache(hub.resolve("missing")).modelIds());
    }

    @Test
    void hubIdsAreWhatIsNoFolderHere() throws Exception {
        assertTrue(HubCache.isHubId("bigscience/bloomz-560m"));
        assertTrue(HubCache.isHubId(" org/model "));
        assertFalse(HubCache.isHubId(hub.toString()));
        assertFalse(HubCache.isHubId("not an id"));
        assertFalse(HubCache.isHubId(""));
        assertFalse(HubCache.isHubId("a/b/c"));
    }
}
