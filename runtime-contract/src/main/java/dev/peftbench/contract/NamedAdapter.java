package dev.peftbench.contract;

import java.util.ArrayList;
import java.util.List;

/**
 * One PEFT adapter the server answers for under its own name, on the runtime's base model: an entry of
 * {@link Setting#ADAPTERS}, written {@code NAME=DIR|HUB_ID} as vLLM's {@code --lora-modules name=path}.
 * A request chooses it by naming it as its model (v2's {@code /v2/models/NAME/...}, OpenAI's {@code "model"}).
 */
public record NamedAdapter(String name, String source) {

    public NamedAdapter {
        if (name == null || name.isBlank() || name.contains("/") || name.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("an adapter's name must be non-empty, without '/' or spaces: '" + name + "'");
        }
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("adapter '" + name + "' names no folder or Hub id");
        }
        source = source.strip();
    }

    /** {@code a=DIR,b=ORG/NAME} as entries, in order; blank parts are skipped. */
    static List<NamedAdapter> parseList(String text) {
        List<NamedAdapter> out = new ArrayList<>();
        for (String part : text.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException(part);
            }
            out.add(new NamedAdapter(part.substring(0, eq).strip(), part.substring(eq + 1)));
        }
        return List.copyOf(out);
    }

    /** The entries as {@link #parseList} reads them. */
    static String writeList(List<NamedAdapter> adapters) {
        return String.join(",", adapters.stream().map(a -> a.name() + "=" + a.source()).toList());
    }
}
