package dev.peftbench.serve.repository;

import dev.peftbench.engine.ServedModel;
import dev.peftbench.serve.EngineGateway;
import dev.peftbench.serve.Failure;
import dev.peftbench.serve.ServeException;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models this server answers for and where each stands (Triton's model repository extension).
 * Loading goes through the shared engine; a model that fails to load stays listed as
 * UNAVAILABLE with the reason, and the server stays up.
 */
public final class ModelRepository implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelRepository.class);

    private final EngineGateway engine;
    private final ModelFields overrides;
    private final Optional<ModelsDirectory> modelsDir;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final ExecutorService loader = Executors.newVirtualThreadPerTaskExecutor();

    /**
     * @param overrides what flags and environment say for every model (they win over model-settings.json)
     * @param modelsDir where load requests look up names not registered yet
     */
    public ModelRepository(EngineGateway engine, ModelFields overrides, Optional<ModelsDirectory> modelsDir) {
        this.engine = engine;
        this.overrides = overrides;
        this.modelsDir = modelsDir;
    }

    /** Lists a model as not loaded yet; {@link #load} or {@link #loadInBackground} loads it. */
    public void register(ModelSettings settings) {
        entries.put(settings.name(), new Entry(settings,
                new ModelStatus(settings.name(), settings.version(), ModelState.UNAVAILABLE, "not loaded")));
    }

    /** Serves a model the engine already holds under its name, as it is: ready at once, not loaded again. */
    public void adopt(ServedModel model) {
        ModelSettings settings = new ModelSettings(model.name(), ModelFields.of(model.spec()));
        Entry e = new Entry(settings, new ModelStatus(model.name(), null, ModelState.READY, ""));
        e.wanted = true;
        entries.put(model.name(), e);
    }

    /** Starts loading without waiting (server start): requests see LOADING, then READY or the reason. */
    public void loadInBackground(String name) {
        Entry e = entry(name);
        e.wanted = true;
        setState(e, ModelState.LOADING, "loading");
        loader.submit(() -> {
            try {
                doLoad(e);
            } catch (ServeException ex) {
                LOG.error("model '{}' failed to load: {}", name, ex.getMessage());
            }
        });
    }

    /**
     * Loads or reloads {@code name} and waits (repository {@code load}). {@code requested} are the
     * load request's parameters: they register an unknown name, or change a known model's adapter,
     * template or base model without a restart.
     *
     * @throws ServeException NOT_FOUND for a name nobody configured, LOAD_FAILED with the reason
     */
    public ModelStatus load(String name, ModelFields requested) {
        Entry known = entries.get(name);
        ModelSettings settings;
        if (!requested.equals(ModelFields.NONE)) {
            ModelFields base = known != null ? known.settings.fields()
                    : modelsDir.flatMap(d -> d.find(name)).map(ModelSettings::fields).orElse(ModelFields.NONE);
            settings = new ModelSettings(name, requested.orElse(overrides.orElse(base)));
        } else if (known != null) {
            settings = known.settings;
        } else {
            settings = modelsDir.flatMap(d -> d.find(name))
                    .map(s -> new ModelSettings(s.name(), overrides.orElse(s.fields())))
                    .orElseThrow(() -> ServeException.notFound("unknown model '" + name + "': not registered"
                            + modelsDir.map(d -> " and no model-settings.json names it in " + d.dir()).orElse("")
                            + "; pass parameters.base_model to register it"));
        }
        Entry e = new Entry(settings, new ModelStatus(name, settings.version(), ModelState.LOADING, "loading"));
        e.wanted = true;
        entries.put(name, e);
        doLoad(e);
        return e.status;
    }

    /** @throws ServeException NOT_FOUND when the name was never registered */
    public ModelStatus unload(String name) {
        Entry e = entry(name);
        e.wanted = false;
        setState(e, ModelState.UNLOADING, "unloading");
        engine.unload(name);
        setState(e, ModelState.UNAVAILABLE, "unloaded");
        LOG.info("model '{}' unloaded", name);
        return e.status;
    }

    /** Unloads {@code name} if it is loaded and drops it from the index, so it is unknown afterwards (ModelMesh's unload). */
    public void forget(String name) {
        Entry e = entries.remove(name);
        if (e != null) {
            e.wanted = false;
            engine.unload(name);
            LOG.info("model '{}' unloaded and removed", name);
        }
    }

    public List<ModelStatus> index() {
        return entries.values().stream().map(e -> e.status).sorted(Comparator.comparing(ModelStatus::name)).toList();
    }

    /**
     * The status of a model that can answer now.
     *
     * @throws ServeException NOT_FOUND (unknown model or version), NOT_READY (loading, failed, unloaded)
     */
    public ModelStatus requireReady(String name, String version) {
        ModelStatus s = requireKnown(name, version);
        if (!s.ready()) {
            throw new ServeException(Failure.NOT_READY, "model '" + name + "' is not ready: " + s.reason());
        }
        return s;
    }

    /** @throws ServeException NOT_FOUND for an unknown model, or a version it does not have */
    public ModelStatus requireKnown(String name, String version) {
        Entry e = entries.get(name);
        if (e == null) {
            throw ServeException.notFound("unknown model '" + name + "'; served: " + entries.keySet());
        }
        if (version != null && !version.isEmpty() && !version.equals(e.status.version())) {
            throw ServeException.notFound("model '" + name + "' has no version '" + version + "'"
                    + (e.status.version() == null ? " (it is not versioned)" : "; it has '" + e.status.version() + "'"));
        }
        return e.status;
    }

    /**
     * Every model that should be loaded is ready ({@code /v2/health/ready}). Models unloaded on purpose or
     * registered without loading do not count, so an empty runtime is ready for ModelMesh to place
     * models in; a model that failed to load does count, and the index says why.
     */
    public boolean allReady() {
        return entries.values().stream().filter(e -> e.wanted).allMatch(e -> e.status.ready());
    }

    public long readyCount() {
        return entries.values().stream().filter(e -> e.status.ready()).count();
    }

    private void doLoad(Entry e) {
        String name = e.settings.name();
        try {
            engine.load(name, e.settings.fields().toSpec(name));
            setState(e, ModelState.READY, "");
            LOG.info("model '{}' ready (base {}, adapter {})", name, e.settings.fields().baseModel(),
                    e.settings.fields().adapter());
        } catch (RuntimeException ex) {
            ServeException se = ServeException.from(ex);
            setState(e, ModelState.UNAVAILABLE, "load failed: " + se.getMessage());
            Failure f = se.failure() == Failure.NOT_FOUND || se.failure() == Failure.BAD_REQUEST
                    ? Failure.LOAD_FAILED : se.failure();
            throw new ServeException(f, "model '" + name + "' failed to load: " + se.getMessage());
        }
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw ServeException.notFound("unknown model '" + name + "'; served: " + entries.keySet());
        }
        return e;
    }

    private static void setState(Entry e, ModelState state, String reason) {
        e.status = new ModelStatus(e.status.name(), e.status.version(), state, reason);
    }

    @Override
    public void close() {
        loader.shutdownNow();
    }

    private static final class Entry {
        final ModelSettings settings;
        volatile ModelStatus status;
        /** A load was asked for and no unload since. */
        volatile boolean wanted;

        Entry(ModelSettings settings, ModelStatus status) {
            this.settings = settings;
            this.status = status;
        }
    }
}
