package dev.peftbench.serve.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.engine.GenerationHandle;
import dev.peftbench.engine.GenerationRequest;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.TokenListener;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.generate.SamplingParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

/**
 * {@code peftbench bench}: loads a model once, then runs {@code c} concurrent streams of prompts of exactly
 * {@code --prompt-tokens} tokens, each generating exactly {@code --new-tokens} (eos ignored), for every
 * concurrency asked; {@code --sequential} adds the same load served one request at a time (the
 * reference runtime's behaviour). Reports load time, time to first token, per-stream and aggregate
 * tokens/s, prompt tokens/s and peak resident memory, as a table or one JSON object.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure load time, time to first token, decode tokens/s and memory.")
public final class BenchCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;
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
    @Option(names = "--json", description = "Print exactly one JSON object.")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** One measured configuration. */
    record Run(String mode, int streams, double ttftMsMean, double ttftMsMax, double streamTokensPerSecond,
               double aggregateTokensPerSecond, double promptTokensPerSecond, double wallSeconds) {
    }

    @Override
    public Integer call() throws IOException {
        if (promptTokens < 1 || newTokens < 1 || concurrency.stream().anyMatch(c -> c < 1)) {
            throw new IllegalArgumentException("--prompt-tokens, --new-tokens and --concurrency must be >= 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ModelSpec modelSpec = modelOptions.spec(System.getenv(), err::println).withTemplate(new PromptTemplate.Raw());
        int maxBatch = Math.max(16, concurrency.stream().mapToInt(Integer::intValue).max().orElse(1));
        EngineOptions defaults = EngineOptions.defaults();
        try (Engine engine = new Engine(new EngineOptions(Math.max(64, maxBatch), maxBatch, defaults.threads(), profile))) {
            long loadStart = System.nanoTime();
            engine.load("bench", modelSpec, ModelOptions.progressTo(err));
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            err.printf("bench: loaded in %.2f s%n", loadSeconds);
            String prompt = promptOfTokens(engine, promptTokens);
            SamplingParams params = SamplingParams.DEFAULT.withMaxNewTokens(newTokens).withEosTokenIds(List.of());
            engine.takeProfile("bench");
            List<Run> runs = new ArrayList<>();
            for (int c : concurrency) {
                runs.add(measure(engine, prompt, params, c, false));
                err.println("bench: " + runs.getLast());
                if (sequential) {
                    runs.add(measure(engine, prompt, params, c, true));
                    err.println("bench: " + runs.getLast());
                }
            }
            Map<String, Map<String, Long>> profiles = new java.util.LinkedHashMap<>();
            if (profile) {
                String one = promptOfTokens(engine, 1);
                for (int b : List.of(1, 8)) {
                    engine.takeProfile("bench");
                    measure(engine, one, params, b, false);
                    profiles.put("batch " + b, engine.takeProfile("bench"));
                }
                // Prefill alone: the whole concurrency-8 load's prompts, stopped after their first token.
                engine.takeProfile("bench");
                measure(engine, prompt, params.withMaxNewTokens(1), 8, false);
                profiles.put("prefill 8 x " + promptTokens, engine.takeProfile("bench"));
            }
            long peakKb = peakResidentKb();
            if (json) {
                out.println(toJson(modelSpec, loadSeconds, peakKb, runs, profiles));
            } else {
                printTable(out, modelSpec, loadSeconds, peakKb, runs, profiles);
            }
            out.flush();
            return 0;
        }
    }

    private Run measure(Engine engine, String prompt, SamplingParams params, int streams, boolean oneAtATime) {
        long start = System.nanoTime();
        List<GenerationResult> results = new ArrayList<>();
        if (oneAtATime) {
            for (int i = 0; i < streams; i++) {
                results.add(engine.generate(GenerationRequest.of("bench", prompt, params), TokenListener.NONE));
            }
        } else {
            List<GenerationHandle> handles = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                handles.add(engine.submit(GenerationRequest.of("bench", prompt, params), TokenListener.NONE));
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
                generated / wall, (double) streams * promptTokens / prefillSeconds, wall);
    }

    /** A raw prompt of exactly {@code n} tokens: words are added until the tokenizer counts {@code n}. */
    static String promptOfTokens(Engine engine, int n) {
        String[] words = {" the", " a", " of", " and", " to", " in", " is", " it"};
        StringBuilder text = new StringBuilder("Hello");
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

    private String toJson(ModelSpec spec, double loadSeconds, long peakKb, List<Run> runs,
                          Map<String, Map<String, Long>> profiles) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("model", spec.baseModel());
        root.put("adapter", spec.adapter());
        root.put("dtype", spec.dtype().label());
        root.put("backend", spec.backend().name().toLowerCase(java.util.Locale.ROOT));
        root.put("threads", EngineOptions.defaults().threads());
        root.put("prompt_tokens", promptTokens);
        root.put("new_tokens", newTokens);
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
            n.put("aggregate_tokens_per_s", r.aggregateTokensPerSecond());
            n.put("prompt_tokens_per_s", r.promptTokensPerSecond());
            n.put("wall_seconds", r.wallSeconds());
        }
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
                            Map<String, Map<String, Long>> profiles) {
        out.printf("model %s%s, %s, %d prompt tokens, %d new tokens; load %.2f s; peak RSS %.0f MiB%n",
                spec.baseModel(), spec.adapter() == null ? "" : " + " + spec.adapter(), spec.dtype().label(),
                promptTokens, newTokens, loadSeconds, peakKb / 1024.0);
        out.printf("%-14s %7s %12s %12s %14s %14s %14s%n", "mode", "streams", "ttft mean ms", "ttft max ms",
                "tok/s/stream", "aggregate tok/s", "prompt tok/s");
        for (Run r : runs) {
            out.printf("%-14s %7d %12.1f %12.1f %14.1f %14.1f %14.1f%n", r.mode(), r.streams(), r.ttftMsMean(),
                    r.ttftMsMax(), r.streamTokensPerSecond(), r.aggregateTokensPerSecond(), r.promptTokensPerSecond());
        }
        profiles.forEach((batch, times) -> {
            double total = times.values().stream().mapToLong(Long::longValue).sum();
            out.printf("profile, %s (share of forward time, %.0f ms in all):%n", batch, total / 1e6);
            times.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .forEach(e -> out.printf("  %-24s %5.1f%% %9.1f ms%n", e.getKey(), 100 * e.getValue() / total,
                            e.getValue() / 1e6));
        });
    }
}
