package dev.peftbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.contract.Setting;
import dev.peftbench.engine.CpuInfo;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.engine.GenerationHandle;
import dev.peftbench.engine.GenerationRequest;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.PrefixCacheStats;
import dev.peftbench.engine.TokenListener;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.generate.SamplingParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code peftbench bench}: loads a model once, then runs {@code c} concurrent streams of prompts of exactly
 * {@code --prompt-tokens} tokens, each generating exactly {@code --new-tokens} (eos ignored), for every
 * concurrency asked; {@code --sequential} adds the same load served one request at a time (the
 * reference runtime's behaviour). Reports load time, time to first token, per-stream tokens/s, the
 * aggregate decode tokens/s without the prefill (llama-batched-bench's S_TG) and with it, prompt
 * tokens/s, the longest gap between two tokens of each stream and peak resident memory, as a table or
 * one JSON object. {@code --long-prompt-tokens} adds one long prompt to each run once its streams are
 * decoding, and reports its time to first token beside the streams' gaps (a long prefill should not
 * stall them: see {@code --max-prefill-tokens}). Every request's prompt is its own (a different first word), so the
 * prefix cache saves nothing there; {@code --shared-prefix-tokens} measures what it saves: rounds of a new prefix with
 * one question (cold) then another question (warm), each round's times to first token and the positions the warm
 * request prefilled.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, modelTransformer = ModelOptions.class,
        description = "Measure load time, time to first token, decode tokens/s and memory.")
public final class BenchCommand implements Callable<Integer> {

    @Option(names = {"--concurrency", "--batch"}, split = ",", description = "Concurrent streams, e.g. 1,4,8,16 (default 1).")
    List<Integer> concurrency = List.of(1);
    @Option(names = "--prompt-tokens", description = "Tokens per prompt (default 32).")
    int promptTokens = 32;
    @Option(names = "--new-tokens", description = "Tokens generated per stream (default 64).")
    int newTokens = 64;
    @Option(names = "--sequential", description = "Also run each load one request at a time.")
    boolean sequential;
    @Option(names = "--profile", description = "Add each operation's share of a decode step at batch 1 and 8, and of the prefill of 8 prompts.")
    boolean profile;
    @Option(names = "--long-prompt-tokens", description = "Once each run's streams are decoding, submit one more request with a "
            + "prompt of this many tokens (one new token) and report its time to first token, alone and beside the streams.")
    int longPromptTokens;
    @Option(names = "--shared-prefix-tokens", description = "Also measure prompts that share a prefix of this many tokens: "
            + SHARED_PREFIX_ROUNDS + " rounds of a new prefix with a --prompt-tokens question, then the same prefix with another "
            + "question; each one's time to first token (the second reuses the first's cached blocks).")
    int sharedPrefixTokens;
    @Option(names = "--json", description = "Print exactly one JSON object.")
    boolean json;
    /** The engine's options as given ({@link Setting#engine()}'s flags and variables): what the figures were taken with. */
    private EngineOptions engineOptions;

    /** Rounds of the shared-prefix measurement: a range, not one figure. */
    static final int SHARED_PREFIX_ROUNDS = 3;
    /** Numbers the first word of each prompt, so that no two requests share a cached block by accident. */
    private int prompts;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /**
     * One measured configuration.
     *
     * @param decodeTokensPerSecond    every stream's tokens after the last first token, over the time from then to
     *                                 the end (one at a time: each request's decode tokens over its decode time),
     *                                 so without the prefill: llama-batched-bench's S_TG
     * @param aggregateTokensPerSecond every generated token over the wall time from the first submit, prefill included
     * @param totalTokensPerSecond     prompt and generated tokens over the same wall time: llama-batched-bench's S
     * @param longestGapMs             per stream, the longest time between two of its tokens
     * @param longPromptTtftMs         the long prompt's time to first token beside the streams, or NaN without one
     */
    record Run(String mode, int streams, double ttftMsMean, double ttftMsMax, double streamTokensPerSecond,
               double decodeTokensPerSecond, double aggregateTokensPerSecond, double totalTokensPerSecond,
               double promptTokensPerSecond, double wallSeconds, List<Double> longestGapMs, double medianGapMs,
               double longPromptTtftMs) {
    }

    /**
     * One round of the shared-prefix measurement: a new prefix with a question, then with another.
     *
     * @param promptTokens     the warm request's prompt, in tokens
     * @param warmPrefilled    positions the warm request prefilled (the rest came from the prefix cache)
     */
    record SharedPrefixRound(double coldTtftMs, double warmTtftMs, int promptTokens, long warmPrefilled) {
    }

    @Override
    public Integer call() throws IOException {
        if (promptTokens < 1 || newTokens < 1 || concurrency.stream().anyMatch(c -> c < 1)) {
            throw new IllegalArgumentException("--prompt-tokens, --new-tokens and --concurrency must be >= 1");
        }
        if (longPromptTokens < 0) {
            throw new IllegalArgumentException("--long-prompt-tokens must be >= 0 (0 = none)");
        }
        if (sharedPrefixTokens < 0) {
            throw new IllegalArgumentException("--shared-prefix-tokens must be >= 0 (0 = none)");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ModelSpec modelSpec = ModelOptions.spec(spec, System.getenv(), err::println).withTemplate(new PromptTemplate.Raw());
        int maxBatch = Math.max(16, concurrency.stream().mapToInt(Integer::intValue).max().orElse(1));
        EngineOptions defaults = EngineOptions.defaults();
        engineOptions = ModelOptions.engineOptions(spec, System.getenv(), new EngineOptions(Math.max(64, maxBatch), maxBatch,
                defaults.threads(), profile, defaults.maxPrefillTokens(), defaults.stepTargetMs(), defaults.prefixCacheBytes()));
        try (Engine engine = new Engine(engineOptions)) {
            long loadStart = System.nanoTime();
            engine.load("bench", modelSpec, ModelOptions.progressTo(err));
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            err.printf("bench: loaded in %.2f s%n", loadSeconds);
            SamplingParams params = SamplingParams.DEFAULT.withMaxNewTokens(newTokens).withEosTokenIds(List.of());
            double longPromptAloneMs = Double.NaN;
            if (longPromptTokens > 0) {
                longPromptAloneMs = firstTokenMs(engine, nextPrompt(engine, longPromptTokens), params);
                err.printf("bench: a %d-token prompt alone: first token after %.1f ms%n", longPromptTokens, longPromptAloneMs);
            }
            engine.takeProfile("bench");
            List<Run> runs = new ArrayList<>();
            for (int c : concurrency) {
                runs.add(measure(engine, promptTokens, params, c, false, longPromptTokens));
                err.println("bench: " + runs.getLast());
                if (sequential) {
                    runs.add(measure(engine, promptTokens, params, c, true, 0));
                    err.println("bench: " + runs.getLast());
                }
            }
            Map<String, Map<String, Long>> profiles = new java.util.LinkedHashMap<>();
            if (profile) {
                for (int b : List.of(1, 8)) {
                    engine.takeProfile("bench");
                    measure(engine, 1, params, b, false, 0);
                    profiles.put("batch " + b, engine.takeProfile("bench"));
                }
                // Prefill alone: the whole concurrency-8 load's prompts, stopped after their first token.
                engine.takeProfile("bench");
                measure(engine, promptTokens, params.withMaxNewTokens(1), 8, false, 0);
                profiles.put("prefill 8 x " + promptTokens, engine.takeProfile("bench"));
            }
            List<SharedPrefixRound> shared = new ArrayList<>();
            for (int r = 0; r < (sharedPrefixTokens > 0 ? SHARED_PREFIX_ROUNDS : 0); r++) {
                shared.add(sharedPrefixRound(engine, params));
                err.println("bench: " + shared.getLast());
            }
            PrefixCacheStats prefixCache = engine.stats().prefixCache();
            long peakKb = peakResidentKb();
            long weightBytes = engine.weightBytesPerToken("bench");
            CpuInfo cpu = CpuInfo.detect();
            if (json) {
                out.println(toJson(modelSpec, loadSeconds, peakKb, runs, profiles, longPromptAloneMs, shared, prefixCache, cpu,
                        weightBytes));
            } else {
                printTable(out, modelSpec, loadSeconds, peakKb, runs, profiles, longPromptAloneMs, shared, prefixCache, cpu,
                        weightBytes);
            }
            out.flush();
            return 0;
        }
    }

    /**
     * A new prefix of {@code --shared-prefix-tokens} with a question of {@code --prompt-tokens}, then the same prefix with
     * another question, one token each: their times to first token, and what the second prefilled.
     */
    private SharedPrefixRound sharedPrefixRound(Engine engine, SamplingParams params) {
        String prefix = nextPrompt(engine, sharedPrefixTokens);
        double cold = firstTokenMs(engine, prefix + " " + nextPrompt(engine, promptTokens), params);
        String warm = prefix + " " + nextPrompt(engine, promptTokens);
        long before = engine.stats().prefixCache().missedPositions();
        double warmMs = firstTokenMs(engine, warm, params);
        int tokens = engine.tokenize("bench", warm).size();
        // With the cache off nothing is looked up, so nothing is counted: every position is prefilled.
        return new SharedPrefixRound(cold, warmMs, tokens,
                engineOptions.prefixCacheBytes() == 0 ? tokens : engine.stats().prefixCache().missedPositions() - before);
    }

    /** A raw prompt of exactly {@code tokens} tokens no earlier one starts like (its first word numbers it). */
    private String nextPrompt(Engine engine, int tokens) {
        return promptOfTokens(engine, tokens, "Request " + ++prompts + ":");
    }

    /**
     * One run of {@code streams} requests of {@code tokens}-token prompts, each its own; a prompt of {@code longPromptTokens}
     * (0: none) is submitted once every stream has its first token.
     */
    private Run measure(Engine engine, int tokens, SamplingParams params, int streams, boolean oneAtATime,
                        int longPromptTokens) {
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            prompts.add(nextPrompt(engine, tokens));
        }
        String longPrompt = longPromptTokens == 0 ? null : nextPrompt(engine, longPromptTokens);
        long start = System.nanoTime();
        List<GenerationResult> results = new ArrayList<>();
        List<TokenTimes> times = new ArrayList<>();
        CountDownLatch started = new CountDownLatch(streams);
        for (int i = 0; i < streams; i++) {
            times.add(new TokenTimes(params.maxNewTokens(), started));
        }
        double longPromptTtftMs = Double.NaN;
        if (oneAtATime) {
            for (int i = 0; i < streams; i++) {
                results.add(engine.generate(GenerationRequest.of("bench", prompts.get(i), params), times.get(i)));
            }
        } else {
            List<GenerationHandle> handles = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                handles.add(engine.submit(GenerationRequest.of("bench", prompts.get(i), params), times.get(i)));
            }
            if (longPrompt != null) {
                awaitStart(started);
                longPromptTtftMs = firstTokenMs(engine, longPrompt, params);
            }
            handles.forEach(h -> results.add(h.result().join()));
        }
        double wall = (System.nanoTime() - start) / 1e9;
        double ttftMean = results.stream().mapToLong(r -> r.timings().timeToFirstTokenNanos()).average().orElse(0) / 1e6;
        double ttftMax = results.stream().mapToLong(r -> r.timings().timeToFirstTokenNanos()).max().orElse(0) / 1e6;
        double perStream = results.stream()
                .mapToDouble(r -> r.timings().decodeTokensPerSecond(r.generatedTokenIds().size())).average().orElse(0);
        long generated = results.stream().mapToLong(r -> r.generatedTokenIds().size()).sum();
        // Prompt throughput: every prompt token over the time until the last stream had its first token.
        double prefillSeconds = oneAtATime
                ? results.stream().mapToLong(r -> r.timings().timeToFirstTokenNanos()).sum() / 1e9
                : ttftMax / 1e3;
        return new Run(oneAtATime ? "one-at-a-time" : "batched", streams, ttftMean, ttftMax, perStream,
                decodeTokensPerSecond(times, oneAtATime), generated / wall, (generated + (double) streams * tokens) / wall,
                (double) streams * tokens / prefillSeconds, wall,
                times.stream().map(t -> t.longestGap() / 1e6).toList(), medianGapMs(times), longPromptTtftMs);
    }

    /**
     * Tokens per second once every stream decodes: batched, the tokens after the last stream's first token over the
     * time from it to the last token; one at a time, each request's tokens after its first over its decode time.
     */
    static double decodeTokensPerSecond(List<TokenTimes> times, boolean oneAtATime) {
        long tokens = 0;
        long nanos = 0;
        if (oneAtATime) {
            for (TokenTimes t : times) {
                if (t.count() > 1) {
                    tokens += t.count() - 1;
                    nanos += t.last() - t.first();
                }
            }
        } else {
            long from = times.stream().filter(t -> t.count() > 0).mapToLong(TokenTimes::first).max().orElse(0);
            long to = times.stream().filter(t -> t.count() > 0).mapToLong(TokenTimes::last).max().orElse(0);
            tokens = times.stream().mapToLong(t -> t.countAfter(from)).sum();
            nanos = to - from;
        }
        return nanos <= 0 ? 0 : tokens * 1e9 / nanos;
    }

    private static double medianGapMs(List<TokenTimes> times) {
        long[] gaps = times.stream().flatMapToLong(t -> java.util.Arrays.stream(t.gaps())).sorted().toArray();
        return gaps.length == 0 ? 0 : gaps[gaps.length / 2] / 1e6;
    }

    /** Time to the first token of {@code prompt} asked for one token. */
    private static double firstTokenMs(Engine engine, String prompt, SamplingParams params) {
        return engine.generate(GenerationRequest.of("bench", prompt, params.withMaxNewTokens(1)), TokenListener.NONE)
                .timings().timeToFirstTokenNanos() / 1e6;
    }

    private static void awaitStart(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the streams to start", e);
        }
    }

    /** A raw prompt of exactly {@code n} tokens: words are added to {@code start} until the tokenizer counts {@code n}. */
    static String promptOfTokens(Engine engine, int n, String start) {
        String[] words = {" the", " a", " of", " and", " to", " in", " is", " it"};
        StringBuilder text = new StringBuilder(start);
        int i = 0;
        while (engine.tokenize("bench", text.toString()).size() < n) {
            text.append(words[i++ % words.length]);
        }
        while (engine.tokenize("bench", text.toString()).size() > n) {
            text.setLength(text.length() - 1);
        }
        if (engine.tokenize("bench", text.toString()).size() != n) {
            throw new IllegalStateException("could not build a prompt of exactly " + n + " tokens");
        }
        return text.toString();
    }

    static long peakResidentKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Weights streamed per second in a run: a decode step reads the weights once for all its streams, so bytes per
     * token times the steps per second (decode tokens/s over streams).
     */
    private static double weightGbPerSecond(long weightBytes, Run r) {
        return weightBytes < 0 ? Double.NaN : weightBytes * r.decodeTokensPerSecond() / r.streams() / 1e9;
    }

    private String toJson(ModelSpec spec, double loadSeconds, long peakKb, List<Run> runs,
                          Map<String, Map<String, Long>> profiles, double longPromptAloneMs, List<SharedPrefixRound> shared,
                          PrefixCacheStats prefixCache, CpuInfo cpu, long weightBytes) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        ObjectNode c = root.putObject("cpu");
        c.put("model", cpu.model());
        c.put("cores", cpu.cores());
        c.put("vector_bits", cpu.vectorBits());
        cpu.instructionSets().forEach(c.putArray("instruction_sets")::add);
        root.put("weight_bytes_per_token", weightBytes);
        root.put("model", spec.baseModel());
        root.put("adapter", spec.adapter());
        root.put("dtype", spec.dtype().label());
        root.put("backend", spec.backend().name().toLowerCase(java.util.Locale.ROOT));
        root.put("threads", EngineOptions.defaults().threads());
        root.put("prompt_tokens", promptTokens);
        root.put("new_tokens", newTokens);
        root.put("max_prefill_tokens", engineOptions.maxPrefillTokens());
        root.put("step_target_ms", engineOptions.stepTargetMs());
        root.put("prefix_cache_mib", engineOptions.prefixCacheBytes() >> 20);
        if (longPromptTokens > 0) {
            root.put("long_prompt_tokens", longPromptTokens);
            root.put("long_prompt_time_to_first_token_ms_alone", longPromptAloneMs);
        }
        root.put("load_seconds", loadSeconds);
        root.put("peak_resident_mib", peakKb / 1024.0);
        ArrayNode list = root.putArray("runs");
        for (Run r : runs) {
            ObjectNode n = list.addObject();
            n.put("mode", r.mode());
            n.put("streams", r.streams());
            n.put("time_to_first_token_ms_mean", r.ttftMsMean());
            n.put("time_to_first_token_ms_max", r.ttftMsMax());
            n.put("decode_tokens_per_s_per_stream", r.streamTokensPerSecond());
            n.put("decode_tokens_per_s", r.decodeTokensPerSecond());
            n.put("aggregate_tokens_per_s", r.aggregateTokensPerSecond());
            n.put("total_tokens_per_s", r.totalTokensPerSecond());
            n.put("prompt_tokens_per_s", r.promptTokensPerSecond());
            n.put("wall_seconds", r.wallSeconds());
            r.longestGapMs().forEach(n.putArray("longest_gap_ms_per_stream")::add);
            n.put("median_gap_ms", r.medianGapMs());
            n.put("weight_gb_per_s", weightGbPerSecond(weightBytes, r));
            if (!Double.isNaN(r.longPromptTtftMs())) {
                n.put("long_prompt_time_to_first_token_ms", r.longPromptTtftMs());
            }
        }
        if (!shared.isEmpty()) {
            ObjectNode sp = root.putObject("shared_prefix");
            sp.put("prefix_tokens", sharedPrefixTokens);
            sp.put("question_tokens", promptTokens);
            ArrayNode rounds = sp.putArray("rounds");
            for (SharedPrefixRound r : shared) {
                rounds.addObject().put("cold_time_to_first_token_ms", r.coldTtftMs())
                        .put("warm_time_to_first_token_ms", r.warmTtftMs()).put("warm_over_cold", r.warmTtftMs() / r.coldTtftMs())
                        .put("warm_prompt_tokens", r.promptTokens()).put("warm_prefilled_positions", r.warmPrefilled());
            }
        }
        ObjectNode pc = root.putObject("prefix_cache");
        pc.put("hit_blocks", prefixCache.hitBlocks());
        pc.put("missed_blocks", prefixCache.missedBlocks());
        pc.put("hit_positions", prefixCache.hitPositions());
        pc.put("missed_positions", prefixCache.missedPositions());
        pc.put("evicted_blocks", prefixCache.evictedBlocks());
        pc.put("cached_blocks", prefixCache.cachedBlocks());
        pc.put("idle_mib", prefixCache.idleBytes() / (double) (1 << 20));
        if (!profiles.isEmpty()) {
            ObjectNode p = root.putObject("profile");
            profiles.forEach((batch, times) -> {
                ObjectNode b = p.putObject(batch);
                double total = times.values().stream().mapToLong(Long::longValue).sum();
                times.forEach((op, ns) -> b.put(op, ns / total));
            });
        }
        return root.toString();
    }

    private void printTable(PrintWriter out, ModelSpec spec, double loadSeconds, long peakKb, List<Run> runs,
                            Map<String, Map<String, Long>> profiles, double longPromptAloneMs, List<SharedPrefixRound> shared,
                            PrefixCacheStats prefixCache, CpuInfo cpu, long weightBytes) {
        out.printf("cpu %s, %d cores, %d-bit vectors, %s; weights read per decode step %.1f MB%n", cpu.model(), cpu.cores(),
                cpu.vectorBits(), String.join(" ", cpu.instructionSets()), weightBytes / 1e6);
        out.printf("model %s%s, %s, %d prompt tokens, %d new tokens, %d prefill tokens per step; load %.2f s; peak RSS %.0f MiB%n",
                spec.baseModel(), spec.adapter() == null ? "" : " + " + spec.adapter(), spec.dtype().label(),
                promptTokens, newTokens, engineOptions.maxPrefillTokens(), loadSeconds, peakKb / 1024.0);
        out.printf("%-14s %7s %12s %12s %13s %13s %15s %13s %12s %11s%n", "mode", "streams", "ttft mean ms", "ttft max ms",
                "tok/s/stream", "decode tok/s", "aggregate tok/s", "prompt tok/s", "max gap ms", "weight GB/s");
        for (Run r : runs) {
            out.printf("%-14s %7d %12.1f %12.1f %13.1f %13.1f %15.1f %13.1f %12.1f %11.1f%n", r.mode(), r.streams(), r.ttftMsMean(),
                    r.ttftMsMax(), r.streamTokensPerSecond(), r.decodeTokensPerSecond(), r.aggregateTokensPerSecond(),
                    r.promptTokensPerSecond(), r.longestGapMs().stream().mapToDouble(Double::doubleValue).max().orElse(0),
                    weightGbPerSecond(weightBytes, r));
        }
        if (longPromptTokens > 0) {
            out.printf("a %d-token prompt: first token after %.1f ms alone%n", longPromptTokens, longPromptAloneMs);
            for (Run r : runs) {
                if (!Double.isNaN(r.longPromptTtftMs())) {
                    out.printf("  beside %d streams: %.1f ms (%.2fx); their longest gaps %s ms%n", r.streams(),
                            r.longPromptTtftMs(), r.longPromptTtftMs() / longPromptAloneMs,
                            r.longestGapMs().stream().map(g -> String.format("%.0f", g)).toList());
                }
            }
        }
        if (!shared.isEmpty()) {
            out.printf("a %d-token prefix with a %d-token question: first token after%n", sharedPrefixTokens, promptTokens);
            for (SharedPrefixRound r : shared) {
                out.printf("  %.1f ms cold, %.1f ms for another question (%.2fx; %d of %d positions prefilled)%n",
                        r.coldTtftMs(), r.warmTtftMs(), r.warmTtftMs() / r.coldTtftMs(), r.warmPrefilled(), r.promptTokens());
            }
        }
        out.printf("prefix cache: %d positions reused, %d prefilled; %d blocks evicted, %d cached%n",
                prefixCache.hitPositions(), prefixCache.missedPositions(), prefixCache.evictedBlocks(), prefixCache.cachedBlocks());
        profiles.forEach((batch, times) -> {
            double total = times.values().stream().mapToLong(Long::longValue).sum();
            out.printf("profile, %s (share of forward time, %.0f ms in all):%n", batch, total / 1e6);
            times.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .forEach(e -> out.printf("  %-24s %5.1f%% %9.1f ms%n", e.getKey(), 100 * e.getValue() / total,
                            e.getValue() / 1e6));
        });
    }
}
