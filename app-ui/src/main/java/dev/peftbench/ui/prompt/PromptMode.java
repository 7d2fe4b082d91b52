package dev.peftbench.ui.prompt;

/**
 * What the Prompt page sends: one input put into a prompt template (what the CLI's {@code --prompt}
 * does), or a conversation rendered by the model's own chat template ({@code --messages}).
 */
public enum PromptMode {
    PROMPT("Prompt"), CHAT("Chat");

    private final String label;

    PromptMode(String label) {
        this.label = label;
    }

    /** The settings file's spelling. */
    public String spec() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static PromptMode fromSpec(String spec) {
        return "chat".equals(spec) ? CHAT : PROMPT;
    }

    @Override
    public String toString() {
        return label;
    }
}
