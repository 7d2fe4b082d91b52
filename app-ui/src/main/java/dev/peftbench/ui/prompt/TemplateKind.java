package dev.peftbench.ui.prompt;

import dev.peftbench.engine.generate.PromptTemplate;

/** The three template forms the CLI's {@code --template} accepts, as the Prompt page offers them. */
public enum TemplateKind {
    SEED("Seed (text column)"), RAW("Raw input"), CUSTOM("Custom with {input}");

    private final String label;

    TemplateKind(String label) {
        this.label = label;
    }

    /** The {@code --template} value for this kind; a custom kind passes its pattern. */
    public String spec(String customPattern) {
        return switch (this) {
            case SEED -> "seed";
            case RAW -> "raw";
            case CUSTOM -> customPattern;
        };
    }

    public static TemplateKind of(PromptTemplate template) {
        return switch (template) {
            case PromptTemplate.Seed s -> SEED;
            case PromptTemplate.Raw r -> RAW;
            case PromptTemplate.Custom c -> CUSTOM;
        };
    }

    public static TemplateKind fromSpec(String spec) {
        return switch (spec == null ? "seed" : spec) {
            case "raw" -> RAW;
            case "custom" -> CUSTOM;
            default -> SEED;
        };
    }

    @Override
    public String toString() {
        return label;
    }
}
