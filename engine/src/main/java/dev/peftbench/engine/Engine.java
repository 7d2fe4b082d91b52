package dev.peftbench.engine;

import dev.peftbench.engine.adapter.Adapter;
import dev.peftbench.engine.adapter.AdapterLoader;
import dev.peftbench.engine.adapter.LoraAdapter;
import dev.peftbench.engine.adapter.PromptTuningAdapter;
import dev.peftbench.engine.arch.Architectures;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.arch.ForwardRow;
import dev.peftbench.engine.arch.Logits;
import dev.peftbench.engine.chat.ChatTemplate;
import dev.peftbench.engine.chat.ChatTemplateFiles;
import dev.peftbench.engine.chat.Conversation;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.generate.Sampler;
import dev.peftbench.engine.generate.SamplingParams;
import dev.peftbench.engine.generate.Scheduler;
import dev.peftbench.engine.hub.DownloadListener;
import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.engine.load.HfConfig;
import dev.peftbench.engine.load.HfSnapshot;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.score.LabelScores;
import dev.peftbench.engine.score.ScoreListener;
import dev.peftbench.engine.score.ScoreRequest;
import dev.peftbench.engine.score.ScoringHandle;
import dev.peftbench.engine.score.ScoringJob;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.ProfiledTensorOps;
import dev.peftbench.engine.tensor.Tensor;
import dev.peftbench.engine.tensor.TensorOps;
import dev.peftbench.engine.tensor.cpu.CpuTensorOps;
import dev.peftbench.engine.tensor.djl.DjlTensorOps;
import dev.peftbench.engine.tokenize.PromptEncoder;
import dev.peftbench.engine.tokenize.TextEncoder;
import dev.peftbench.engine.tokenize.Tokenizer;
import dev.peftbench.engine.train.EndToken;
import dev.peftbench.engine.train.ExampleEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * The one engine of a process: loads base models and adapters under served names, and runs every
 * generation request (CLI, server, UI) through one scheduler per base model. A base model loaded
 * under several names (e.g. with different adapters) is loaded once. Thread-safe.
 */
public final class Engine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private record BaseKey(Path dir, Device device, ComputeType dtype, Backend backend) {
    }

    /** A loaded base model, shared by every served name that uses it. */
    private static final class Base {
        final BaseKey key;
        final CausalLm model;
        final ChatTemplate chatTemplate;
        final Scheduler scheduler;
        int users;

        Base(BaseKey key, CausalLm model, ChatTemplate chatTemplate, Scheduler scheduler) {
            this.key = key;
            this.model = model;
            this.chatTemplate = chatTemplate;
            this.scheduler = scheduler;
        }

        /** The scheduler's: one per base model. */
        Tokenizer tokenizer() {
            return scheduler.tokenizer();
        }
    }

    /**
     * @param scope        the adapter's identity in the prefix cache: never given twice, so no two loads share blocks
     * @param trainedEndId the label end id the adapter's training record names, or null
     */
    private record Served(ServedModel model, Base base, Adapter adapter, long scope, Integer trainedEndId) {
    }

    /** The prefix cache's scope of requests run without an adapter. */
    private static final long NO_ADAPTER = 0;

    private final EngineOptions options;
    private final HubSettings hub;
    private final Map<String, Served> served = new ConcurrentHashMap<>();
    /** Written under the load lock, read without it (stats must not wait for a load). */
    private final Map<BaseKey, Base> bases = new ConcurrentHashMap<>();
    private final Object loadLock = new Object();
    private final PromptEncoder encoder;
    /** Closes bases a reload replaced once their in-flight requests are done, outside the load lock. */
    private final ExecutorService retired = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicLong adapterScopes = new AtomicLong(NO_ADAPTER);
    /** The prefix cache counts of bases closed so far, so the engine's totals never go down. */
    private final AtomicReference<PrefixCacheStats> closedPrefixCaches = new AtomicReference<>(PrefixCacheStats.NONE);

    /** Hub ids are looked up (and downloaded) as the environment says ({@link HubSettings#fromEnvironment()}). */
    public Engine(EngineOptions options) {
        this(options, HubSettings.fromEnvironment());
    }

    public Engine(EngineOptions options, HubSettings hub) {
        this.options = options;
        this.hub = hub;
        this.encoder = new PromptEncoder(options.queueCapacity());
    }

    /**
     * Loads (or reloads) {@code name}. Blocks until ready; a failed reload leaves the old one serving.
     *
     * @throws EngineException NOT_FOUND for a missing folder / hub id, LOAD_FAILED for a folder that cannot be used
     */
    public ServedModel load(String name, ModelSpec spec, LoadProgress progress) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw EngineException.invalid("model name '" + name + "' must be 1-128 letters, digits, '.', '_' or '-'");
        }
        LoadProgress report = progress == null ? LoadProgress.NONE : progress;
        // Outside the lock: a download may take minutes, and other loads and stats must not wait for it.
        Path dir = locate(spec.baseModel(), report);
        Path adapterDir = spec.adapter() == null ? null : locate(spec.adapter(), report);
        synchronized (loadLock) {
            BaseKey key = new BaseKey(realPath(dir), spec.device(), spec.dtype(), backendFor(spec));
            Base base = bases.get(key);
            boolean fresh = base == null;
            if (fresh) {
                base = loadBase(key, report);
            }
            try {
                Adapter adapter = null;
                if (spec.adapter() != null) {
                    report.report(0.95, "loading adapter " + spec.adapter());
                    adapter = AdapterLoader.load(adapterDir, base.model);
                }
                base.users++;
                bases.put(key, base);
                ServedModel model = new ServedModel(name, spec, base.model.info(),
                        Optional.ofNullable(adapter).map(Adapter::info));
                long scope = adapter == null ? NO_ADAPTER : adapterScopes.incrementAndGet();
                Integer trainedEndId = adapterDir == null ? null : EndToken.trainedWith(adapterDir);
                Served old = served.put(name, new Served(model, base, adapter, scope, trainedEndId));
                if (old != null) {
                    Base unused = release(old.base);
                    if (unused != null) {
                        retired.execute(() -> closeBase(unused));
                    }
                }
                report.report(1.0, "ready");
                LOG.info("model '{}' ready: {} ({} parameters, {}){}", name, dir, base.model.info().parameterCount(),
                        spec.dtype().label(), adapter == null ? "" : " + " + adapter.info().peftType() + " adapter " + spec.adapter());
                return model;
            } catch (RuntimeException | OutOfMemoryError e) {
                if (fresh) {
                    closeBase(base);
                }
                throw loadFailure(key, e);
            }
        }
    }

    /** A folder, a cached Hub id, or a Hub id downloaded now (logged as it goes, for servers' logs). */
    private Path locate(String spec, LoadProgress progress) {
        return HfSnapshot.resolve(spec, hub, DownloadListener.logTo(LOG).andThen(progress::downloading));
    }

    /**
     * Unloads {@code name}; its base model is freed once no other name uses it, after its in-flight
     * requests finished (waited for outside the load lock: other loads and stats go on). False if unknown.
     */
    public boolean unload(String name) {
        Base unused;
        synchronized (loadLock) {
            Served s = served.remove(name);
            if (s == null) {
                return false;
            }
            unused = release(s.base);
        }
        if (unused != null) {
            closeBase(unused);
        }
        LOG.info("model '{}' unloaded", name);
        return true;
    }

    public Optional<ServedModel> find(String name) {
        return Optional.ofNullable(served.get(name)).map(Served::model);
    }

    public List<ServedModel> models() {
        return served.values().stream().map(Served::model)
                .sorted(Comparator.comparing(ServedModel::name)).toList();
    }

    /**
     * Queues a request and returns at once; tokens go to {@code listener} as they are generated. A chat is
     * rendered by the model's chat template and tokenized without adding special tokens (the template
     * writes them), as transformers' {@code apply_chat_template(tokenize=True)} does.
     *
     * @throws EngineException NOT_FOUND (unknown model), INVALID_INPUT (empty or too long prompt, no chat
     *                         template, a template refusing the conversation), QUEUE_FULL
     */
    public GenerationHandle submit(GenerationRequest request, TokenListener listener) {
        Served s = served(request.model());
        String prompt;
        int[] ids;
        long maxBytes = s.model.spec().maxPromptBytes();
        if (request.isChat()) {
            prompt = s.base.chatTemplate.render(request.chat());
            ids = encoder.encode(s.base.tokenizer(), prompt, false, maxBytes);
        } else {
            PromptTemplate template = request.template() != null ? request.template() : s.model.spec().template();
            prompt = template.apply(request.input());
            ids = encoder.encode(s.base.tokenizer(), prompt, true, maxBytes);
        }
        if (ids.length == 0) {
            throw EngineException.invalid("the prompt is empty after applying the template");
        }
        int limit = s.model.spec().maxPromptTokens();
        if (ids.length > limit) {
            throw EngineException.invalid("the prompt has " + ids.length + " tokens, more than this model's limit of " + limit);
        }
        Adapter adapter = request.useAdapter() ? s.adapter : null;
        Tensor prefix = adapter instanceof PromptTuningAdapter p ? p.virtualTokens() : null;
        SamplingParams params = request.params();
        s.base.model.checkSequenceLength((prefix == null ? 0 : prefix.rows()) + ids.length + params.maxNewTokens());
        if (params.eosTokenIds() == null) {
            // No eos ids named: the model's own (ModelInfo.eosTokenIds).
            params = params.withEosTokenIds(s.base.model.info().eosTokenIds());
        }
        List<int[]> choices = choiceIds(s, params, maxBytes);
        return s.base.scheduler.submit(prompt, ids, params, prefix, adapter instanceof LoraAdapter l ? l : null,
                adapter == null ? NO_ADAPTER : s.scope, listener, choices);
    }

    /**
     * The request's choices as token paths: each tokenized alone without special tokens, as {@code tune} tokenizes a
     * label ({@link ExampleEncoder#target}), so a choice is generated as the adapter learnt to answer it.
     *
     * @throws EngineException INVALID_INPUT for a choice without tokens or longer than the new tokens allowed
     */
    private List<int[]> choiceIds(Served s, SamplingParams params, long maxBytes) {
        List<int[]> out = new ArrayList<>(params.choices().size());
        for (String choice : params.choices()) {
            int[] choiceIds = encoder.encode(s.base.tokenizer(), choice, false, maxBytes);
            if (choiceIds.length == 0) {
                throw EngineException.invalid("the choice '" + choice + "' has no tokens");
            }
            if (choiceIds.length > params.maxNewTokens()) {
                throw EngineException.invalid("the choice '" + choice + "' is " + choiceIds.length + " tokens long, more than "
                        + "the " + params.maxNewTokens() + " new tokens this request allows; allow at least " + choiceIds.length);
            }
            out.add(choiceIds);
        }
        return out;
    }

    /**
     * Queues label scoring (issue 26's semantics: {@link ScoreRequest}) and returns at once; each row's scores go to
     * {@code listener} as they come, in row order. Contexts and targets are tokenized here, on the caller's thread, as
     * {@code tune} tokenizes its rows ({@link ExampleEncoder}); a row whose prompt is empty or too long is reported as
     * skipped in its place. On the model's scheduler, rows go in batches: their contexts in one forward (past what the
     * prefix cache holds), then every label's continuation in forks of the contexts' caches.
     *
     * @throws EngineException NOT_FOUND (unknown model), INVALID_INPUT (a label without tokens, an end id outside the
     *                         vocabulary, no end id to be found), QUEUE_FULL
     */
    public ScoringHandle submitScores(ScoreRequest request, ScoreListener listener) {
        Served s = served(request.model());
        Adapter adapter = request.useAdapter() ? s.adapter : null;
        Tensor prefix = adapter instanceof PromptTuningAdapter p ? p.virtualTokens() : null;
        int virtual = prefix == null ? 0 : prefix.rows();
        CausalLm model = s.base.model;
        Tokenizer tokenizer = s.base.tokenizer();
        long maxBytes = s.model.spec().maxPromptBytes();
        TextEncoder bounded = (text, special) -> encoder.encode(tokenizer, text, special, maxBytes);
        int endId = EndToken.resolve(request.endTokenId(), adapter == null ? null : s.trainedEndId, s.base.key.dir(),
                bounded, model.vocabSize());
        PromptTemplate template = request.template() != null ? request.template() : s.model.spec().template();
        ExampleEncoder examples = new ExampleEncoder(bounded, template, endId, request.promptSpecialTokens());
        List<int[]> targets = new ArrayList<>();
        for (String label : request.labels()) {
            int[] target = examples.target(label);
            if (target.length == 1) {
                throw EngineException.invalid("the label '" + label + "' has no tokens");
            }
            targets.add(target);
        }
        int longest = targets.stream().mapToInt(t -> t.length).max().orElseThrow();
        int limit = s.model.spec().maxPromptTokens();
        List<ScoringJob.Row> rows = new ArrayList<>(request.texts().size());
        for (int i = 0; i < request.texts().size(); i++) {
            rows.add(scoringRow(i, request.texts().get(i), examples, model, virtual, longest, limit));
        }
        ScoringJob job = ScoringJob.of(model, prefix, adapter instanceof LoraAdapter l ? l : null,
                adapter == null ? NO_ADAPTER : s.scope, rows, request.labels(), targets, endId, listener);
        s.base.scheduler.submit(job);
        return job;
    }

    /** Row {@code index}'s context, or why it cannot be scored (the request goes on without it). */
    private static ScoringJob.Row scoringRow(int index, String text, ExampleEncoder examples, CausalLm model, int virtual,
                                             int longestTarget, int limit) {
        int[] context;
        try {
            context = examples.prompt(text);
        } catch (EngineException e) {
            if (e.kind() != EngineException.Kind.TOO_LARGE) {
                throw e;
            }
            return new ScoringJob.Row(index, new int[0], e.getMessage());
        }
        if (context.length == 0) {
            return new ScoringJob.Row(index, context, "the prompt is empty after applying the template");
        }
        if (context.length > limit) {
            return new ScoringJob.Row(index, context, "the prompt has " + context.length
                    + " tokens, more than this model's limit of " + limit);
        }
        try {
            model.checkSequenceLength(virtual + context.length + longestTarget);
        } catch (EngineException e) {
            return new ScoringJob.Row(index, context, e.getMessage());
        }
        return new ScoringJob.Row(index, context, null);
    }

    /** Scores and waits; for the CLI and tests. */
    public LabelScores score(ScoreRequest request, ScoreListener listener) {
        ScoringHandle handle = submitScores(request, listener);
        try {
            return handle.result().get();
        } catch (InterruptedException e) {
            handle.cancel();
            Thread.currentThread().interrupt();
            throw new EngineException(EngineException.Kind.CANCELLED, "interrupted while scoring");
        } catch (ExecutionException | CompletionException e) {
            if (e.getCause() instanceof EngineException ee) {
                throw ee;
            }
            throw new EngineException(EngineException.Kind.INTERNAL, "scoring failed: " + e.getCause(), e.getCause());
        }
    }

    /** Submits and waits; for the CLI and tests. */
    public GenerationResult generate(GenerationRequest request, TokenListener listener) {
        GenerationHandle handle = submit(request, listener);
        try {
            return handle.result().get();
        } catch (InterruptedException e) {
            handle.cancel();
            Thread.currentThread().interrupt();
            throw new EngineException(EngineException.Kind.CANCELLED, "interrupted while generating");
        } catch (ExecutionException | CompletionException e) {
            if (e.getCause() instanceof EngineException ee) {
                throw ee;
            }
            throw new EngineException(EngineException.Kind.INTERNAL, "generation failed: " + e.getCause(), e.getCause());
        }
    }

    /** Never waits for a load or an unload. */
    public EngineStats stats() {
        int queued = 0;
        int running = 0;
        long tokens = 0;
        PrefixCacheStats prefixCache = closedPrefixCaches.get();
        for (Base b : bases.values()) {
            queued += b.scheduler.queued();
            running += b.scheduler.running();
            tokens += b.scheduler.generatedTokens();
            prefixCache = prefixCache.plus(b.model.ops().prefixCacheStats());
        }
        return new EngineStats(queued, running, tokens, served.size(), prefixCache);
    }

    /**
     * The prompt {@code name}'s chat template makes of {@code chat}: exactly the text a chat request sends.
     *
     * @throws EngineException NOT_FOUND (unknown model), INVALID_INPUT (no chat template, or it refuses the chat)
     */
    public String renderChat(String name, Conversation chat) {
        return served(name).base.chatTemplate.render(chat);
    }

    /** Tokenizes with {@code name}'s tokenizer (template not applied). */
    public List<Integer> tokenize(String name, String text) {
        int[] ids = served(name).base.tokenizer().encode(text);
        List<Integer> list = new ArrayList<>(ids.length);
        for (int id : ids) {
            list.add(id);
        }
        return list;
    }

    /** Finishes in-flight requests, then frees every model. */
    @Override
    public void close() {
        synchronized (loadLock) {
            served.clear();
            for (Base b : bases.values()) {
                closeBase(b);
            }
            bases.clear();
        }
        retired.close();
        encoder.close();
    }

    private Served served(String name) {
        Served s = served.get(name);
        if (s == null) {
            throw EngineException.notFound("model '" + name + "' is not loaded; loaded models: "
                    + served.keySet().stream().sorted().toList());
        }
        return s;
    }

    private Base loadBase(BaseKey key, LoadProgress progress) {
        long start = System.nanoTime();
        progress.report(0.0, "reading " + key.dir());
        HfConfig config = HfConfig.read(key.dir());
        // Checked in full before any weight is read: an unsupported model is refused at once, by name.
        Architectures.Plan plan = Architectures.plan(config.raw(), key.dir());
        Tokenizer tokenizer = Tokenizer.load(key.dir());
        ChatTemplate chatTemplate;
        try {
            chatTemplate = ChatTemplateFiles.load(key.dir());
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        TensorOps ops = newOps(key);
        CausalLm model;
        try (WeightSource weights = WeightSource.open(key.dir())) {
            progress.report(0.05, "loading weights");
            model = plan.load(key.dir(), weights, ops, progress);
        } catch (RuntimeException | OutOfMemoryError e) {
            ops.close();
            tokenizer.close();
            throw loadFailure(key, e);
        }
        Scheduler scheduler;
        try {
            progress.report(0.9, "warming up kernels");
            warmUp(model);
            model.ops().keepPrefixBlocks(options.prefixCacheBytes());
            // Loading leaves hundreds of MB of garbage (weights read, stacked, repacked): collected now (tens of ms),
            // not by the first young collection in the middle of generation. Steps allocate next to nothing after
            // the warm-up, so the next collection is minutes away.
            System.gc();
            scheduler = new Scheduler(model, tokenizer, options.maxBatch(), options.maxPrefillTokens(), options.stepTargetMs(),
                    options.queueCapacity(),
                    key.dir().getFileName().toString());
        } catch (RuntimeException | OutOfMemoryError e) {
            model.close();
            tokenizer.close();
            throw loadFailure(key, e);
        }
        LOG.info("loaded {} ({}, {} backend, {}) in {} ms", key.dir(), plan.architecture(), ops.name(), key.dtype().label(),
                (System.nanoTime() - start) / 1_000_000);
        return new Base(key, model, chatTemplate, scheduler);
    }

    /**
     * A prefill of 13 positions (row tiles of 8, 4 and 1 in every matrix product) and decode steps, with a
     * greedy pick from each step's logits, on the real shapes, so the first request does not pay for the
     * JIT. A kernel first reached mid-generation runs interpreted, where the Vector API boxes every
     * vector: the bench saw single steps of 100+ ms when a batch first had a 4-row remainder. The CPU
     * backend has compiled its kernels on small tensors while the weights loaded; this finishes the job.
     * Then the widest step the scheduler runs ({@link #widestStep}).
     */
    private void warmUp(CausalLm model) {
        int prompt = 13;
        int steps = 8;
        try (KvCache cache = model.newCache(prompt + steps)) {
            Logits logits = model.forward(List.of(new ForwardRow(cache, ids(prompt, model), null, null)));
            for (int i = 0; i < steps; i++) {
                int next = Sampler.argmax(logits.values(), logits.offset(0), logits.vocab());
                logits = model.forward(List.of(new ForwardRow(cache, new int[] {next}, null, null)));
            }
        }
        widestStep(model);
    }

    /**
     * One step as wide as the scheduler makes them: {@code maxBatch - 1} sequences decoding beside a prompt chunk of
     * the prefill budget (at most 256 positions here), every sequence sampled. The backend's activation arrays and
     * logits for full batches then exist before the first one comes, so a batch growing to its full size allocates
     * none of them (arrays of a megabyte and more, which G1 allocates as humongous objects, each one able to start a
     * concurrent cycle mid-generation).
     */
    private void widestStep(CausalLm model) {
        int chunk = Math.min(options.maxPrefillTokens(), 256);
        List<KvCache> caches = new ArrayList<>();
        try {
            List<ForwardRow> rows = new ArrayList<>();
            for (int i = 0; i < options.maxBatch(); i++) {
                int positions = i == 0 ? chunk : 1;
                caches.add(model.newCache(positions));
                rows.add(new ForwardRow(caches.getLast(), ids(positions, model), null, null));
            }
            model.forward(rows);
        } finally {
            caches.forEach(KvCache::close);
        }
    }

    private static int[] ids(int n, CausalLm model) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i % model.vocabSize();
        }
        return ids;
    }

    private TensorOps newOps(BaseKey key) {
        if (key.device() == Device.GPU && key.backend() == Backend.CPU) {
            throw EngineException.invalid("the cpu backend runs on the CPU; for {0} gpu use {1} djl (or auto)", InputField.DEVICE, InputField.BACKEND);
        }
        TensorOps ops = switch (key.backend()) {
            case CPU -> new CpuTensorOps(key.dtype(), options.threads());
            case DJL -> new DjlTensorOps(key.device(), key.dtype());
            case AUTO -> throw new IllegalStateException("backend not resolved");
        };
        return options.profile() ? new ProfiledTensorOps(ops) : ops;
    }

    /**
     * Bytes of {@code name}'s base-model weights that a decode step reads once (matrices and vectors in the backend's
     * storage type; not looked-up embedding rows nor an adapter's), so that bytes per token times decode tokens per
     * second is the memory bandwidth the weights draw; -1 where the backend does not count them.
     */
    public long weightBytesPerToken(String name) {
        return served(name).base.model.ops().weightBytes();
    }

    /**
     * Time spent per tensor operation by {@code name}'s base model since the last call (nanoseconds),
     * then starts counting afresh; empty unless the engine was created with {@code profile}.
     */
    public Map<String, Long> takeProfile(String name) {
        if (served(name).base.model.ops() instanceof ProfiledTensorOps p) {
            Map<String, Long> times = p.snapshot();
            p.reset();
            return times;
        }
        return Map.of();
    }

    private static Backend backendFor(ModelSpec spec) {
        if (spec.backend() != Backend.AUTO) {
            return spec.backend();
        }
        return spec.device() == Device.GPU || spec.dtype() == ComputeType.FLOAT16 ? Backend.DJL : Backend.CPU;
    }

    /** Out of memory is the load's failure, reported as one once the model and its threads were released. */
    private static RuntimeException loadFailure(BaseKey key, Throwable e) {
        if (e instanceof OutOfMemoryError) {
            return EngineException.loadFailed("not enough memory to load " + key.dir().getFileName() + " as "
                    + key.dtype().label() + " (give the JVM more heap with -Xmx, or load it as bfloat16)", e);
        }
        return (RuntimeException) e;
    }

    /** One user fewer; the base when none is left (the caller closes it outside the load lock), else null. */
    private Base release(Base base) {
        if (--base.users == 0) {
            bases.remove(base.key);
            return base;
        }
        return null;
    }

    private void closeBase(Base base) {
        base.scheduler.close();
        closedPrefixCaches.accumulateAndGet(base.model.ops().prefixCacheStats().counts(), PrefixCacheStats::plus);
        base.model.close();
    }

    private static Path realPath(Path dir) {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            throw EngineException.notFound("model folder " + dir + " cannot be read: " + e.getMessage());
        }
    }
}
