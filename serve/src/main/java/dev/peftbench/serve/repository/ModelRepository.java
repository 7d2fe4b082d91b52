package dev.peftbench.serve.repository;

import dev.peftbench.contract.ModelChoice;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.contract.Setting;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.ServedModel;
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
 * Loading goes through the shared engine. A configured model that fails to load at start stays listed
 * as UNAVAILABLE with the reason (readiness says so), and the server stays up. A load asked for at run
 * time changes nothing until it succeeded: a failed reload leaves the previous model and settings
 * serving, a failed new name is not registered, and neither touches readiness. An unloaded name that a
 * load registered at run time leaves the index and frees its place among {@code --max-models}; the
 * models the server started with stay listed, UNAVAILABLE, to be loaded again by name.
 */
public final class ModelRepository implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelRepository.class);

    private static final int NAMES_IN_MESSAGES = 10;

    private final Engine engine;
    private final ModelFields overrides;
    private final Optional<ModelsDirectory> modelsDir;
    private final LoadPolicy policy;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    /** New names being loaded now: they count against the limit before they are registered. */
    private int newNamesLoading;
    private final ExecutorService loader = Executors.newVirtualThreadPerTaskExecutor();

    /**
     * @param overrides what the runtime's flags and environment say, for every model ({@link ModelChoice}'s table)
     * @param modelsDir where load requests look up names not registered yet
     * @param policy    what the repository API may load, and how many names
     */
    public ModelRepository(Engine engine, ModelFields overrides, Optional<ModelsDirectory> modelsDir,
                           LoadPolicy policy) {
        this.engine = engine;
        this.overrides = overrides;
        this.modelsDir = modelsDir;
        this.policy = policy;
    }

    /** Lists a model as not loaded yet; {@link #load} or {@link #loadInBackground} loads it. */
    public void register(ModelSettings settings) {
        Entry e = new Entry(settings, new ModelStatus(settings.name(), settings.version(), ModelState.UNAVAILABLE, "not loaded"));
        e.startup = true;
        entries.put(settings.name(), e);
    }

    /** Serves a model the engine already holds under its name, as it is: ready at once, not loaded again. */
    public void adopt(ServedModel model) {
        ModelSettings settings = new ModelSettings(model.name(), ModelFields.of(model.spec()));
        Entry e = new Entry(settings, new ModelStatus(model.name(), null, ModelState.READY, ""));
        e.wanted = true;
        e.startup = true;
        entries.put(model.name(), e);
    }

    /** Starts loading without waiting (server start): requests see LOADING, then READY or the reason. */
    public void loadInBackground(String name) {
        Entry e = entry(name);
        e.wanted = true;
        setState(e, ModelState.LOADING, "loading");
        loader.submit(() -> doLoad(e));
    }

    /**
     * Loads or reloads {@code name} and waits (the repository API's {@code load}). {@code requested} are
     * the load request's parameters: they register an unknown name, or change a known model's adapter,
     * template or base model without a restart; what they name must pass the {@link LoadPolicy}. The
     * fields loaded are {@link ModelChoice.EntryPoint#REPOSITORY_LOAD}'s choice over the request, the
     * runtime's flags and environment, and the model's settings (its current ones, else its
     * model-settings.json); a known model reloaded without parameters keeps its settings.
     *
     * @throws ServeException FORBIDDEN (switched off, outside the allowed roots), NOT_FOUND for a name nobody
     *                        configured, CONFLICT at the limit of names, LOAD_FAILED with the reason
     */
    public ModelStatus load(String name, ModelFields requested) {
        policy.requireEnabled();
        policy.check("base_model", requested.baseModel());
        policy.check("adapter", requested.adapter());
        Entry known = entries.get(name);
        if (requested.equals(ModelFields.NONE) && known != null) {
            return loadChosen(name, known.settings.fields(), requested);
        }
        Optional<ModelFields> settings = known != null ? Optional.of(known.settings.fields())
                : modelsDir.flatMap(d -> d.find(name)).map(ModelSettings::fields);
        if (requested.equals(ModelFields.NONE) && settings.isEmpty()) {
            throw ServeException.notFound("unknown model '" + name + "': not registered"
                    + modelsDir.map(d -> " and no model-settings.json names it in " + d.dir()).orElse("")
                    + "; pass parameters.base_model to register it");
        }
        ModelChoice.Said said = new ModelChoice.Said(requested, settings.orElse(ModelFields.NONE), overrides, ModelFields.NONE);
        return loadChosen(name, ModelChoice.choose(ModelChoice.EntryPoint.REPOSITORY_LOAD, said).fields(), requested);
    }

    /**
     * Loads or reloads {@code name} with exactly {@code fields}, chosen by the caller (ModelMesh's loadModel,
     * {@link ModelChoice.EntryPoint#MODELMESH_LOAD}), whose paths the allowed roots do not cover.
     */
    public ModelStatus loadChosen(String name, ModelFields fields) {
        return loadChosen(name, fields, fields);
    }

    /** @param requested what the client named, the only paths a failure may repeat */
    private ModelStatus loadChosen(String name, ModelFields fields, ModelFields requested) {
        Entry known = entries.get(name);
        ModelSettings settings = new ModelSettings(name, fields);
        if (known == null) {
            reserveName(name);
        }
        try {
            engine.load(name, settings.fields().toSpec(name), LoadProgress.NONE);
        } catch (RuntimeException ex) {
            // nothing changed: a previous model under this name serves on with its settings
            throw failure(name, ex, requested);
        } finally {
            if (known == null) {
                releaseName();
            }
        }
        Entry e = new Entry(settings, new ModelStatus(name, settings.version(), ModelState.READY, ""));
        e.wanted = true;
        e.startup = known != null && known.startup;
        entries.put(name, e);
        LOG.info("model '{}' ready (base {}, adapter {})", name, settings.fields().baseModel(), settings.fields().adapter());
        return e.status;
    }

    private synchronized void reserveName(String name) {
        if (entries.size() + newNamesLoading >= policy.maxModels()) {
            throw new ServeException(Failure.CONFLICT, "cannot register model '" + name + "': this server holds at most "
                    + policy.maxModels() + " models (" + Setting.MAX_MODELS.label() + "); unload one first");
        }
        newNamesLoading++;
    }

    private synchronized void releaseName() {
        newNamesLoading--;
    }

    /** The load's failure in the client's words: its own paths as it sent them, none of the server's. */
    private static ServeException failure(String name, RuntimeException ex, ModelFields requested) {
        ServeException se = ServeException.from(ex);
        Failure f = se.failure() == Failure.NOT_FOUND || se.failure() == Failure.BAD_REQUEST
                ? Failure.LOAD_FAILED : se.failure();
        return new ServeException(f, "model '" + name + "' failed to load: "
                + ServerPaths.redact(se.getMessage(), requested.baseModel(), requested.adapter()));
    }

    /**
     * Unloads {@code name}; a name a load registered at run time leaves the index (its place is free
     * again), one the server started with stays listed as UNAVAILABLE.
     *
     * @throws ServeException FORBIDDEN when the repository API is switched off, NOT_FOUND when the name was never registered
     */
    public ModelStatus unload(String name) {
        policy.requireEnabled();
        Entry e = entry(name);
        e.wanted = false;
        setState(e, ModelState.UNLOADING, "unloading");
        engine.unload(name);
        setState(e, ModelState.UNAVAILABLE, "unloaded");
        if (!e.startup) {
            entries.remove(name, e);
        }
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

    /** The names a load registered while the server ran (not those it started with), sorted. */
    public List<String> loadedAtRunTime() {
        return entries.entrySet().stream().filter(e -> !e.getValue().startup).map(Map.Entry::getKey).sorted().toList();
    }

    /** The names the server started with (flags, environment, models dir) or adopted, sorted. */
    public List<String> startupModels() {
        return entries.entrySet().stream().filter(e -> e.getValue().startup).map(Map.Entry::getKey).sorted().toList();
    }

    public List<ModelStatus> index() {
        return entries.values().stream().map(e -> e.status).sorted(Comparator.comparing(ModelStatus::name)).toList();
    }

    /** @throws ServeException NOT_FOUND for an unknown model, or a version it does not have */
    public ModelStatus requireKnown(String name, String version) {
        Entry e = entries.get(name);
        if (e == null) {
            throw unknown(name);
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

    /** A configured model's load: its entry goes READY, or UNAVAILABLE with the reason (which readiness counts). */
    private void doLoad(Entry e) {
        String name = e.settings.name();
        try {
            engine.load(name, e.settings.fields().toSpec(name), LoadProgress.NONE);
            setState(e, ModelState.READY, "");
            LOG.info("model '{}' ready (base {}, adapter {})", name, e.settings.fields().baseModel(),
                    e.settings.fields().adapter());
        } catch (RuntimeException ex) {
            String reason = ServerPaths.redact(ServeException.from(ex).getMessage(), e.settings.fields().baseModel(),
                    e.settings.fields().adapter());
            setState(e, ModelState.UNAVAILABLE, "load failed: " + reason);
            LOG.error("model '{}' failed to load: {}", name, reason);
        }
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw unknown(name);
        }
        return e;
    }

    /** Names the first few models served, so that the answer stays small however many there are. */
    private ServeException unknown(String name) {
        List<String> names = entries.keySet().stream().sorted().toList();
        String served = names.size() <= NAMES_IN_MESSAGES ? names.toString()
                : names.subList(0, NAMES_IN_MESSAGES) + " and " + (names.size() - NAMES_IN_MESSAGES) + " more";
        return ServeException.notFound("unknown model '" + name + "'; served: " + served);
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
        /** Registered when the server started (flags, environment, models dir) or adopted: listed after an unload. */
        volatile boolean startup;

        Entry(ModelSettings settings, ModelStatus status) {
            this.settings = settings;
            this.status = status;
        }
    }
}
