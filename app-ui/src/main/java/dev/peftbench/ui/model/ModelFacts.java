package dev.peftbench.ui.model;

import dev.peftbench.engine.AdapterInfo;
import dev.peftbench.engine.ModelInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** What the Model page shows about a loaded model and adapter, as label/value rows. */
public record ModelFacts(List<Fact> base, List<Fact> adapter) {

    public record Fact(String label, String value) {
    }

    public static ModelFacts of(ModelInfo model, AdapterInfo adapterInfo) {
        List<Fact> base = List.of(
                new Fact("Architecture", model.architecture()),
                new Fact("Parameters", parameters(model.parameterCount())),
                new Fact("Weights dtype", model.weightDType()),
                new Fact("Vocabulary", model.vocabSize() + " tokens"),
                new Fact("Hidden size", Integer.toString(model.hiddenSize())),
                new Fact("Layers / heads", model.layers() + " / " + model.heads()),
                new Fact("Folder", String.valueOf(model.dir())));
        List<Fact> adapter = new ArrayList<>();
        if (adapterInfo != null) {
            adapter.add(new Fact("Type", adapterInfo.peftType()));
            // Sorted so the same adapter always reads the same way.
            for (Map.Entry<String, Object> e : new TreeMap<>(adapterInfo.settings()).entrySet()) {
                adapter.add(new Fact(e.getKey(), String.valueOf(e.getValue())));
            }
            adapter.add(new Fact("Folder", String.valueOf(adapterInfo.dir())));
        }
        return new ModelFacts(base, adapter);
    }

    static String parameters(long count) {
        if (count >= 1_000_000_000L) return String.format(Locale.ROOT, "%.2f B (%,d)", count / 1e9, count);
        if (count >= 1_000_000L) return String.format(Locale.ROOT, "%.2f M (%,d)", count / 1e6, count);
        if (count >= 1_000L) return String.format(Locale.ROOT, "%.1f K (%,d)", count / 1e3, count);
        return Long.toString(count);
    }
}
