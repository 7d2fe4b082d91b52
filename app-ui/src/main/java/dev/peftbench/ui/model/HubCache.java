package dev.peftbench.ui.model;

import dev.peftbench.engine.hub.DownloadListener;
import dev.peftbench.engine.hub.FileSelection;
import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.engine.hub.RepoId;
import dev.peftbench.engine.hub.SnapshotDownload;
import dev.peftbench.engine.load.HfSnapshot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The local Hugging Face cache ({@code models--owner--name/snapshots/...}), listed as Hub ids so the
 * user can pick a downloaded model without knowing where the cache keeps it, and the Hub a missing id
 * is downloaded from into it (the files a load needs). The engine resolves ids itself, from the same
 * settings.
 */
public final class HubCache {
    private final HubSettings settings;

    public HubCache(HubSettings settings) {
        this.settings = settings;
    }

    /** As the environment says ({@link HubSettings#fromEnvironment()}): where the engine looks too. */
    public static HubCache standard() {
        return new HubCache(HubSettings.fromEnvironment());
    }

    /** The Hub settings downloads and lookups use (training resolves Hub ids with the same). */
    public HubSettings settings() {
        return settings;
    }

    /** Where downloads go. */
    public String location() {
        return settings.downloadCache().toString();
    }

    /** Hub ids with at least one usable snapshot, sorted; empty when there is no cache. */
    public List<String> modelIds() {
        return HfSnapshot.cachedModels(settings.caches());
    }

    /** True for text that names a Hub repository and no folder here: something Download can fetch. */
    public static boolean isHubId(String text) {
        String t = text == null ? "" : text.strip();
        return RepoId.isValid(t) && !Files.isDirectory(Path.of(t));
    }

    /** Downloads {@code id}'s main revision (what a load reads); blocks, interruptible. */
    public SnapshotDownload.Result download(String id, DownloadListener listener) {
        return new SnapshotDownload(settings).download(new RepoId(id.strip()), "main", FileSelection.FOR_LOAD, listener);
    }
}
