package dev.peftbench.ui.prompt;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.GenerationRequest;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.engine.ServedModel;
import dev.peftbench.engine.TokenLogprobs;
import dev.peftbench.engine.chat.ChatMessage;
import dev.peftbench.engine.chat.Conversation;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.generate.SamplingParams;
import dev.peftbench.ui.UserMessage;
import dev.peftbench.ui.Workbench;
import dev.peftbench.ui.WorkbenchSettings.PromptChoice;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;

import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The Prompt page's state and actions. The fields are the CLI's flags as text: running turns them
 * into a {@link PromptTemplate} and {@link SamplingParams} (whose validation messages the user sees),
 * submits to the shared engine and streams the answer into {@link #outputProperty()}. Compare runs the
 * same request twice, with and without the adapter, side by side. In chat mode the input is the next
 * user message of a conversation (an optional system prompt, then the turns so far) that the model's
 * own chat template renders; the preview is that rendering, and a finished answer joins the
 * conversation as the assistant's turn. Every run asks the engine for each generated token's log-probability
 * and its {@value #TOP_ALTERNATIVES} most likely alternatives, which the page shades the answer's tokens with.
 */
public final class PromptViewModel {
    /** Alternatives shown per token (the engine's top log-probabilities asked for). */
    static final int TOP_ALTERNATIVES = 5;

    private final Workbench workbench;
    private final ObjectProperty<PromptMode> mode = new SimpleObjectProperty<>(PromptMode.PROMPT);
    private final StringProperty systemPrompt = new SimpleStringProperty("");
    private final ObservableList<ChatMessage> turns = FXCollections.observableArrayList();
    private final ObjectProperty<TemplateKind> templateKind = new SimpleObjectProperty<>(TemplateKind.SEED);
    private final StringProperty textColumn = new SimpleStringProperty();
    private final StringProperty customTemplate = new SimpleStringProperty();
    private final StringProperty input = new SimpleStringProperty();
    private final StringProperty preview = new SimpleStringProperty("");
    private final StringProperty templateError = new SimpleStringProperty("");
    private final StringProperty maxNewTokens = new SimpleStringProperty();
    /** What the eos field says for "no eos id": generation runs to max new tokens. */
    static final String NO_EOS = "none";
    private final StringProperty eosTokenIds = new SimpleStringProperty();
    private final StringProperty temperature = new SimpleStringProperty();
    private final StringProperty topK = new SimpleStringProperty();
    private final StringProperty topP = new SimpleStringProperty();
    private final StringProperty seed = new SimpleStringProperty();
    private final StringProperty output = new SimpleStringProperty("");
    private final StringProperty stats = new SimpleStringProperty("");
    private final StringProperty baseOutput = new SimpleStringProperty("");
    private final StringProperty baseStats = new SimpleStringProperty("");
    private final ObservableList<TokenLogprobs> outputTokens = FXCollections.observableArrayList();
    private final ObservableList<TokenLogprobs> baseOutputTokens = FXCollections.observableArrayList();
    private final BooleanProperty comparing = new SimpleBooleanProperty(false);
    private final BooleanProperty running = new SimpleBooleanProperty(false);
    private final StringProperty error = new SimpleStringProperty("");
    private final ObservableList<RunRecord> history = FXCollections.observableArrayList();
    private final List<PromptRun> active = new ArrayList<>();

    public PromptViewModel(Workbench workbench) {
        this.workbench = workbench;
        PromptChoice saved = workbench.initialSettings().prompt();
        templateKind.set(TemplateKind.fromSpec(saved.template()));
        textColumn.set(saved.textColumn());
        customTemplate.set(saved.customTemplate());
        input.set(saved.input());
        maxNewTokens.set(saved.maxNewTokens());
        eosTokenIds.set(saved.eosTokenIds());
        temperature.set(saved.temperature());
        topK.set(saved.topK());
        topP.set(saved.topP());
        seed.set(saved.seed());
        mode.set(PromptMode.fromSpec(saved.mode()));
        systemPrompt.set(saved.systemPrompt());
        mode.addListener((o, a, b) -> updatePreview());
        systemPrompt.addListener((o, a, b) -> updatePreview());
        turns.addListener((ListChangeListener<ChatMessage>) c -> updatePreview());
        workbench.loadedModelProperty().addListener((o, a, b) -> updatePreview());
        templateKind.addListener((o, a, b) -> updatePreview());
        textColumn.addListener((o, a, b) -> updatePreview());
        customTemplate.addListener((o, a, b) -> updatePreview());
        input.addListener((o, a, b) -> updatePreview());
        updatePreview();
    }

    /** The template as the CLI would parse it from the current fields. */
    public PromptTemplate template() {
        return PromptTemplate.parse(templateKind.get().spec(customTemplate.get()), textColumn.get());
    }

    /** The sampling settings from the current fields; throws with a message naming the field to fix. */
    public SamplingParams samplingParams() {
        return new SamplingParams(parseInt("Max new tokens", maxNewTokens.get()), parseIds(eosTokenIds.get()),
                parseDouble("Temperature", temperature.get()), parseInt("Top-k", topK.get()),
                parseDouble("Top-p", topP.get()), 1.0, parseSeed(seed.get()), List.of());
    }

    /**
     * The conversation a chat run sends: the system prompt (when not blank), the turns so far and the
     * input as the next user message.
     */
    public Conversation conversation() {
        List<ChatMessage> messages = new ArrayList<>();
        if (systemPrompt.get() != null && !systemPrompt.get().isBlank()) {
            messages.add(ChatMessage.system(systemPrompt.get()));
        }
        messages.addAll(turns);
        messages.add(ChatMessage.user(input.get() == null ? "" : input.get()));
        return Conversation.of(messages);
    }

    /** Starts a new conversation (the system prompt stays). */
    public void newChat() {
        turns.clear();
    }

    private void updatePreview() {
        try {
            if (mode.get() == PromptMode.CHAT) {
                ServedModel model = workbench.loadedModelProperty().get();
                if (model == null) {
                    preview.set("");
                    templateError.set("Load a model to see the prompt its chat template makes of the conversation.");
                    return;
                }
                preview.set(workbench.engine().renderChat(model.name(), conversation()));
            } else {
                preview.set(template().apply(input.get() == null ? "" : input.get()));
            }
            templateError.set("");
        } catch (EngineException e) {
            preview.set("");
            templateError.set(e.getMessage());
        }
    }

    public void run() {
        start(false);
    }

    /** Runs the input with and without the adapter at once, each into its own output. */
    public void compare() {
        start(true);
    }

    public void stop() {
        List.copyOf(active).forEach(PromptRun::stop);
    }

    /** Puts a past run's input (or conversation) and settings back into the fields and runs it again. */
    public void rerun(RunRecord record) {
        if (record.chat() != null) {
            List<ChatMessage> messages = record.chat().messages();
            boolean system = messages.getFirst().role().equals("system");
            mode.set(PromptMode.CHAT);
            systemPrompt.set(system ? messages.getFirst().content() : "");
            turns.setAll(messages.subList(system ? 1 : 0, messages.size() - 1));
        } else {
            PromptTemplate t = record.template();
            mode.set(PromptMode.PROMPT);
            templateKind.set(TemplateKind.of(t));
            switch (t) {
                case PromptTemplate.Seed s -> textColumn.set(s.textColumn());
                case PromptTemplate.Custom c -> customTemplate.set(c.pattern());
                case PromptTemplate.Raw r -> { }
            }
        }
        input.set(record.input());
        SamplingParams p = record.params();
        maxNewTokens.set(Integer.toString(p.maxNewTokens()));
        eosTokenIds.set(eosText(p.eosTokenIds()));
        temperature.set(Double.toString(p.temperature()));
        topK.set(Integer.toString(p.topK()));
        topP.set(Double.toString(p.topP()));
        seed.set(p.seed() == null ? "" : Long.toString(p.seed()));
        start(record.compared());
    }

    private void start(boolean compare) {
        if (running.get()) {
            return;
        }
        error.set("");
        ServedModel model = workbench.loadedModelProperty().get();
        if (model == null) {
            error.set("No model is loaded: choose one on the Model page and press Load.");
            return;
        }
        if (compare && model.adapter().isEmpty()) {
            error.set("The loaded model has no adapter to compare against: pick an adapter on the Model page and load again.");
            return;
        }
        boolean chat = mode.get() == PromptMode.CHAT;
        String text = input.get() == null ? "" : input.get();
        if (chat && text.isBlank()) {
            error.set("Type a message to send.");
            return;
        }
        PromptTemplate template;
        SamplingParams params;
        Conversation conversation;
        try {
            template = chat ? null : template();
            conversation = chat ? conversation() : null;
            params = samplingParams();
        } catch (RuntimeException e) {
            error.set(UserMessage.of("Check the settings", e));
            return;
        }
        output.set("");
        stats.set("");
        baseOutput.set("");
        baseStats.set("");
        outputTokens.clear();
        baseOutputTokens.clear();
        comparing.set(compare);
        running.set(true);

        // Log-probabilities only for what the page shows; the history keeps the settings as the user gave them.
        SamplingParams withLogprobs = params.withLogprobs(new SamplingParams.Logprobs(TOP_ALTERNATIVES, false));
        PromptRun main = launch(request(model, text, template, conversation, withLogprobs, true), output, stats, outputTokens);
        workbench.activity().track(main, this::stop);
        main.setOnSucceeded(e -> {
            if (chat) {
                turns.addAll(ChatMessage.user(text), ChatMessage.assistant(main.getValue().generatedText()));
                input.set("");
            }
            RunStats s = finish(main, stats);
            history.addFirst(new RunRecord(LocalTime.now(), text, template, conversation, params, compare, output.get(), s));
        });
        if (compare) {
            PromptRun base = launch(request(model, text, template, conversation, withLogprobs, false), baseOutput, baseStats,
                    baseOutputTokens);
            base.setOnSucceeded(e -> finish(base, baseStats));
        }
    }

    private static GenerationRequest request(ServedModel model, String text, PromptTemplate template,
                                             Conversation conversation, SamplingParams params, boolean useAdapter) {
        return conversation != null ? GenerationRequest.chat(model.name(), conversation, params, useAdapter)
                : new GenerationRequest(model.name(), text, template, params, useAdapter);
    }

    private PromptRun launch(GenerationRequest request, StringProperty target, StringProperty runStats,
                             ObservableList<TokenLogprobs> tokens) {
        TokenStream stream = new TokenStream(target, tokens);
        stream.tokensProperty().addListener((o, a, n) -> runStats.set("generating… " + n + " tokens"));
        PromptRun run = new PromptRun(workbench.engine(), request, stream);
        run.setOnFailed(e -> {
            stream.flush();
            error.set(UserMessage.of("Generation failed", run.getException()));
            ended(run, "Generation failed");
        });
        active.add(run);
        workbench.run(run);
        return run;
    }

    private RunStats finish(PromptRun run, StringProperty runStats) {
        run.stream().flush();
        GenerationResult result = run.getValue();
        RunStats s = RunStats.of(result);
        runStats.set(s.describe());
        ended(run, "cancelled".equals(s.finishReason()) ? "Stopped" : "Done: " + s.describe());
        return s;
    }

    private void ended(PromptRun run, String message) {
        active.remove(run);
        workbench.activity().finish(run, message);
        running.set(!active.isEmpty());
    }

    public PromptChoice choice() {
        String kind = switch (templateKind.get()) {
            case SEED -> "seed";
            case RAW -> "raw";
            case CUSTOM -> "custom";
        };
        return new PromptChoice(kind, textColumn.get(), customTemplate.get(), input.get(), maxNewTokens.get(),
                eosTokenIds.get(), temperature.get(), topK.get(), topP.get(), seed.get(), mode.get().spec(),
                systemPrompt.get());
    }

    private static int parseInt(String field, String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException(field + " must be a whole number, got '" + text + "'");
        }
    }

    private static double parseDouble(String field, String text) {
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException(field + " must be a number, got '" + text + "'");
        }
    }

    private static Long parseSeed(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Seed must be a whole number, or empty for a random seed; got '" + text + "'");
        }
    }

    /**
     * "3" or "2, 3": the eos ids as the CLI's --eos-token-id takes them; empty means the model's own
     * (generation_config.json's), {@value #NO_EOS} means none (generation runs to max new tokens).
     */
    private static List<Integer> parseIds(String text) {
        String t = text == null ? "" : text.trim();
        if (t.isEmpty()) {
            return null;
        }
        List<Integer> ids = new ArrayList<>();
        if (t.equalsIgnoreCase(NO_EOS)) {
            return ids;
        }
        for (String part : t.split("[,\\s]+")) {
            if (!part.isEmpty()) {
                ids.add(parseInt("Eos token ids (comma-separated, empty for the model's, or 'none')", part));
            }
        }
        return ids;
    }

    /** The field's text for {@code ids}, as {@link #parseIds} reads it back. */
    private static String eosText(List<Integer> ids) {
        if (ids == null) {
            return "";
        }
        return ids.isEmpty() ? NO_EOS : ids.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }

    public ObjectProperty<PromptMode> modeProperty() { return mode; }
    public StringProperty systemPromptProperty() { return systemPrompt; }
    public ObservableList<ChatMessage> turns() { return turns; }
    public ObjectProperty<TemplateKind> templateKindProperty() { return templateKind; }
    public StringProperty textColumnProperty() { return textColumn; }
    public StringProperty customTemplateProperty() { return customTemplate; }
    public StringProperty inputProperty() { return input; }
    public ReadOnlyStringProperty previewProperty() { return preview; }
    public ReadOnlyStringProperty templateErrorProperty() { return templateError; }
    public StringProperty maxNewTokensProperty() { return maxNewTokens; }
    public StringProperty eosTokenIdsProperty() { return eosTokenIds; }
    public StringProperty temperatureProperty() { return temperature; }
    public StringProperty topKProperty() { return topK; }
    public StringProperty topPProperty() { return topP; }
    public StringProperty seedProperty() { return seed; }
    public ReadOnlyStringProperty outputProperty() { return output; }
    public ReadOnlyStringProperty statsProperty() { return stats; }
    public ReadOnlyStringProperty baseOutputProperty() { return baseOutput; }
    public ReadOnlyStringProperty baseStatsProperty() { return baseStats; }
    /** The answer's tokens with their log-probabilities and top alternatives, as they stream. */
    public ObservableList<TokenLogprobs> outputTokens() { return outputTokens; }
    public ObservableList<TokenLogprobs> baseOutputTokens() { return baseOutputTokens; }
    public ReadOnlyBooleanProperty comparingProperty() { return comparing; }
    public ReadOnlyBooleanProperty runningProperty() { return running; }
    public ReadOnlyStringProperty errorProperty() { return error; }
    public ObservableList<RunRecord> history() { return history; }
}
