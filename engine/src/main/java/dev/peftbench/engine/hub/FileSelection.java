package dev.peftbench.engine.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.FieldMessage;
import dev.peftbench.engine.InputField;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which of a repository's files to download: by default only those a load reads (configuration,
 * tokenizer, weights, adapter), each weight format picked as transformers and peft pick it, safetensors
 * before {@code .bin}; with {@code include} globs (fnmatch, as huggingface_hub's {@code allow_patterns}),
 * every file that matches one.
 */
public record FileSelection(List<String> include) {

    /** The files a load needs. */
    public static final FileSelection FOR_LOAD = new FileSelection(List.of());

    private static final List<String> CONFIGS = List.of("config.json", "adapter_config.json");
    private static final List<String> ALWAYS = List.of("config.json", "generation_config.json", "adapter_config.json",
            "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "vocab.json",
            "merges.txt", "tokenizer.model", "chat_template.jinja");
    /** transformers' order in {@code _get_resolved_checkpoint_files}: the first one present is used. */
    private static final List<String> MODEL_WEIGHTS = List.of("model.safetensors", "model.safetensors.index.json",
            "pytorch_model.bin", "pytorch_model.bin.index.json");
    /** peft's order in {@code load_peft_weights}. */
    private static final List<String> ADAPTER_WEIGHTS = List.of("adapter_model.safetensors", "adapter_model.bin");

    public FileSelection {
        include = List.copyOf(include);
        for (String glob : include) {
            if (glob == null || glob.isBlank()) {
                throw EngineException.invalid("a pattern of {0} is empty", InputField.INCLUDE);
            }
        }
    }

    public boolean forLoad() {
        return include.isEmpty();
    }

    /** The files of {@code files} (the repository's listing) to fetch. */
    List<String> select(RepoId repo, String revision, List<String> files) {
        if (!forLoad()) {
            List<Pattern> globs = include.stream().map(FileSelection::fnmatch).toList();
            List<String> picked = files.stream().filter(f -> globs.stream().anyMatch(g -> g.matcher(f).matches())).toList();
            if (picked.isEmpty()) {
                throw EngineException.notFound("no file of " + repo + " at revision " + revision + " matches " + include
                        + "; its files: " + preview(files));
            }
            return picked;
        }
        if (CONFIGS.stream().noneMatch(files::contains)) {
            throw new EngineException(EngineException.Kind.LOAD_FAILED, FieldMessage.of(repo + " at revision " + revision
                    + " has neither config.json nor adapter_config.json, so it is no transformers model or PEFT adapter (its files: "
                    + preview(files) + "); {0} names other files to download", InputField.INCLUDE));
        }
        Set<String> picked = new LinkedHashSet<>();
        ALWAYS.stream().filter(files::contains).forEach(picked::add);
        MODEL_WEIGHTS.stream().filter(files::contains).findFirst().ifPresent(picked::add);
        ADAPTER_WEIGHTS.stream().filter(files::contains).findFirst().ifPresent(picked::add);
        return List.copyOf(picked);
    }

    /** The weight index among {@code selected}, whose shards are known only once it is read. */
    static boolean isShardIndex(String file) {
        return file.endsWith(".index.json") && MODEL_WEIGHTS.contains(file);
    }

    /** The shard files a {@code *.index.json} names in its {@code weight_map}, in order, each once. */
    static List<String> shardsNamedBy(Path index) {
        try {
            JsonNode map = new ObjectMapper().readTree(index.toFile()).path("weight_map");
            if (!map.isObject()) {
                throw EngineException.loadFailed(index.getFileName() + " has no weight_map");
            }
            Set<String> shards = new LinkedHashSet<>();
            map.properties().forEach(e -> shards.add(e.getValue().asText()));
            return new ArrayList<>(shards);
        } catch (IOException e) {
            throw EngineException.loadFailed("cannot read " + index.getFileName() + ": " + e.getMessage());
        }
    }

    /**
     * Python's {@code fnmatch.translate}: {@code *} is any run of characters ({@code /} included),
     * {@code ?} one, {@code [...]} / {@code [!...]} a set; a pattern ending in {@code /} means the folder's files.
     */
    static Pattern fnmatch(String glob) {
        String g = glob.endsWith("/") ? glob + "*" : glob;
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < g.length(); i++) {
            char c = g.charAt(i);
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                case '[' -> {
                    int close = g.indexOf(']', i + 2);
                    if (close < 0) {
                        re.append("\\[");
                    } else {
                        String set = g.substring(i + 1, close);
                        re.append('[').append(set.startsWith("!") ? "^" + quoteSet(set.substring(1)) : quoteSet(set)).append(']');
                        i = close;
                    }
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    private static String quoteSet(String set) {
        return set.replace("\\", "\\\\").replace("[", "\\[").replace("&&", "\\&\\&").replace("^", "\\^");
    }

    private static String preview(List<String> files) {
        return files.size() <= 12 ? files.toString() : files.subList(0, 12) + " and " + (files.size() - 12) + " more";
    }
}
