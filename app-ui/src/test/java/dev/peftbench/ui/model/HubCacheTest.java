package dev.peftbench.ui.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HubCacheTest {
    @TempDir
    Path hub;

    @Test
    void listsTheHubIdsOfDownloadedModelsOnly() throws Exception {
        Files.createDirectories(hub.resolve("models--bigscience--bloomz-560m").resolve("snapshots").resolve("abc"));
        Files.createDirectories(hub.resolve("models--someone--adapter").resolve("snapshots").resolve("def"));
        Files.createDirectories(hub.resolve("models--half--downloaded").resolve("blobs"));
        Files.createDirectories(hub.resolve("datasets--x--y").resolve("snapshots"));

        assertEquals(List.of("bigscience/bloomz-560m", "someone/adapter"), new HubCache(hub).modelIds());
    }

    @Test
    void noCacheMeansNoModels() {
        assertEquals(List.of(), new HubCache(hub.resolve("missing")).modelIds());
    }
}
