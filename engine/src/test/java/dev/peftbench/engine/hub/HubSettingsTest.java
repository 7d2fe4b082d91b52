package dev.peftbench.engine.hub;

import dev.peftbench.engine.EngineException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The environment read as huggingface_hub's constants.py reads it. */
class HubSettingsTest {

    @TempDir
    Path home;

    @Test
    void withNothingSetItIsTheHubAndTheDefaultCacheAnonymouslyOnline() {
        HubSettings s = HubSettings.fromEnvironment(Map.of(), home);
        assertEquals(URI.create("https://huggingface.co"), s.endpoint());
        assertEquals(home.resolve(".cache/huggingface/hub"), s.downloadCache());
        assertNull(s.token());
        assertFalse(s.offline());
    }

    @Test
    void theDownloadCacheFollowsHfHubCacheThenHfHomeThenXdgCacheHome() {
        assertEquals(Path.of("/c"), HubSettings.fromEnvironment(Map.of("HF_HUB_CACHE", "/c", "HF_HOME", "/h"), home).downloadCache());
        assertEquals(Path.of("/legacy"), HubSettings.fromEnvironment(Map.of("HUGGINGFACE_HUB_CACHE", "/legacy"), home).downloadCache());
        assertEquals(Path.of("/h/hub"), HubSettings.fromEnvironment(Map.of("HF_HOME", "/h", "XDG_CACHE_HOME", "/x"), home).downloadCache());
        assertEquals(Path.of("/x/huggingface/hub"), HubSettings.fromEnvironment(Map.of("XDG_CACHE_HOME", "/x"), home).downloadCache());
        assertEquals(home.resolve("mine/hub"), HubSettings.fromEnvironment(Map.of("HF_HOME", "~/mine"), home).downloadCache());
        assertEquals(List.of(Path.of("/c"), Path.of("/h/hub"), home.resolve(".cache/huggingface/hub")),
                HubSettings.fromEnvironment(Map.of("HF_HUB_CACHE", "/c", "HF_HOME", "/h"), home).caches());
    }

    @Test
    void homeIsDollarHomeAsPythonExpandsTildeElseTheAccountsHome() {
        Path account = Path.of("/account");
        assertEquals(Path.of("/set/home"), HubSettings.home(Map.of("HOME", "/set/home"), "Linux", account));
        assertEquals(Path.of("/set/home"), HubSettings.home(Map.of("HOME", "/set/home"), "Mac OS X", account));
        assertEquals(account, HubSettings.home(Map.of(), "Linux", account));
        assertEquals(account, HubSettings.home(Map.of("HOME", "relative"), "Linux", account));
        assertEquals(account, HubSettings.home(Map.of("HOME", ""), "Linux", account));
        assertEquals(account, HubSettings.home(Map.of("HOME", "/set/home"), "Windows 11", account));
    }

    @Test
    void theTokenComesFromHfTokenElseTheTokenFile() throws Exception {
        assertEquals("hf_env", HubSettings.fromEnvironment(Map.of("HF_TOKEN", "hf_env"), home).token());
        assertEquals("hf_old", HubSettings.fromEnvironment(Map.of("HUGGING_FACE_HUB_TOKEN", "hf_old"), home).token());
        Path hfHome = Files.createDirectories(home.resolve("hf"));
        Files.writeString(hfHome.resolve("token"), "hf_file\n");
        assertEquals("hf_file", HubSettings.fromEnvironment(Map.of("HF_HOME", hfHome.toString()), home).token());
        Files.writeString(home.resolve("elsewhere"), "hf_path");
        assertEquals("hf_path", HubSettings.fromEnvironment(Map.of("HF_TOKEN_PATH", home.resolve("elsewhere").toString()), home).token());
        assertEquals("hf_env", HubSettings.fromEnvironment(Map.of("HF_TOKEN", "hf_env", "HF_HOME", hfHome.toString()), home).token());
    }

    @Test
    void offlineIsOneOnYesOrTrueInHfHubOfflineOrTransformersOffline() {
        for (String yes : List.of("1", "ON", "yes", "True")) {
            assertTrue(HubSettings.fromEnvironment(Map.of("HF_HUB_OFFLINE", yes), home).offline(), yes);
        }
        assertTrue(HubSettings.fromEnvironment(Map.of("TRANSFORMERS_OFFLINE", "1"), home).offline());
        assertFalse(HubSettings.fromEnvironment(Map.of("HF_HUB_OFFLINE", "0"), home).offline());
        assertFalse(HubSettings.fromEnvironment(Map.of("HF_HUB_OFFLINE", "0", "TRANSFORMERS_OFFLINE", "1"), home).offline(),
                "HF_HUB_OFFLINE wins when set");
    }

    @Test
    void hfEndpointLosesItsTrailingSlashAndMustBeHttp() {
        assertEquals(URI.create("http://mirror.local:8080/hf"),
                HubSettings.fromEnvironment(Map.of("HF_ENDPOINT", "http://mirror.local:8080/hf/"), home).endpoint());
        EngineException e = assertThrows(EngineException.class, () -> HubSettings.fromEnvironment(Map.of("HF_ENDPOINT", "ftp://x"), home));
        assertTrue(e.getMessage().contains("HF_ENDPOINT"), e.getMessage());
        assertThrows(EngineException.class, () -> HubSettings.fromEnvironment(Map.of("HF_ENDPOINT", "not a url"), home));
    }
}
