package dev.peftbench.engine.generate;

import dev.peftbench.engine.EngineException;

/**
 * How user input becomes the text the model sees. {@link Seed} is the reference scenario's
 * {@code "{text column} : {input} Label : "} (the PEFT prompt-tuning tutorial's format).
 */
public sealed interface PromptTemplate {

    String DEFAULT_TEXT_COLUMN = "Tweet text";
    String INPUT_PLACEHOLDER = "{input}";

    String apply(String input);

    /** The form a user types: {@code seed}, {@code raw}, or a custom string with {@code {input}}. */
    String spec();

    record Seed(String textColumn) implements PromptTemplate {
        public Seed {
            if (textColumn == null || textColumn.isBlank()) {
                throw EngineException.invalid("the text column name must not be empty");
            }
        }

        @Override
        public String apply(String input) {
            return textColumn + " : " + input + " Label : ";
        }

        @Override
        public String spec() {
            return "seed";
        }
    }

    record Raw() implements PromptTemplate {
        @Override
        public String apply(String input) {
            return input;
        }

        @Override
        public String spec() {
            return "raw";
        }
    }

    record Custom(String pattern) implements PromptTemplate {
        public Custom {
            if (pattern == null || !pattern.contains(INPUT_PLACEHOLDER)) {
                throw EngineException.invalid("a custom template must contain the placeholder " + INPUT_PLACEHOLDER
                        + " (or use 'seed' or 'raw'), got: " + pattern);
            }
        }

        @Override
        public String apply(String input) {
            return pattern.replace(INPUT_PLACEHOLDER, input);
        }

        @Override
        public String spec() {
            return pattern;
        }
    }

    /** Parses {@code seed}, {@code raw} or a custom pattern; {@code textColumn} null means the default. */
    static PromptTemplate parse(String spec, String textColumn) {
        String column = textColumn == null || textColumn.isBlank() ? DEFAULT_TEXT_COLUMN : textColumn;
        if (spec == null || spec.isBlank() || spec.equals("seed")) {
            return new Seed(column);
        }
        if (spec.equals("raw")) {
            return new Raw();
        }
        return new Custom(spec);
    }
}
