package dev.peftbench.ui.model;

import dev.peftbench.engine.load.HfSnapshot;

import java.nio.file.Path;
import java.util.List;

/**
 * The local Hugging Face cache ({@code models--owner--name/snapshots/...}), listed as Hub ids so the
 * user can pick a downloaded model without knowing where the cache keeps it. The engine resolves the
 * id itself; this only lists.
 */
public final class HubCache {
    private final Path root;

    /** @param root one cache folder to list, or null for huggingface_hub's standard places */
    public HubCache(Path root) {
        this.root = root;
    }

    /** {@code $HF_HUB_CACHE}, {@code $HF_HOME/hub}, {@code ~/.cache/huggingface/hub}: where the engine looks too. */
    public static HubCache standard() {
        return new HubCache(null);
    }

    public String location() {
        return root == null ? "$HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub" : root.toString();
    }

    /** Hub ids with at least one snapshot, sorted; empty when there is no cache. */
    public List<String> modelIds() {
        return root == null ? HfSnapshot.cachedModels() : HfSnapshot.cachedModelsIn(root);
    }
}
