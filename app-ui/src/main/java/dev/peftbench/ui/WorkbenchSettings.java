package dev.peftbench.ui;

import dev.peftbench.publish.plan.PublishPlan;
import dev.peftbench.contract.RuntimeContract;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.engine.ModelSpec;

import java.util.Map;

/**
 * Everything the window remembers between runs, one record per page so each view model reads and
 * writes only its own part. Missing parts (an older file) fall back to the defaults.
 */
public record WorkbenchSettings(ModelChoice model, PromptChoice prompt, ServeChoice serve, PublishChoice publish) {

    public WorkbenchSettings {
        model = model == null ? ModelChoice.NONE : model;
        prompt = prompt == null ? PromptChoice.DEFAULT : prompt;
        serve = serve == null ? ServeChoice.DEFAULT : serve;
        publish = publish == null ? PublishChoice.DEFAULT : publish;
    }

    /** The base model and adapter folders or Hub ids, and how to run them. */
    public record ModelChoice(String baseModel, String adapter, String device, String dtype, String backend) {
        static final ModelChoice NONE = new ModelChoice("", "", ModelSpec.DEFAULT_DEVICE.name(), ModelSpec.DEFAULT_DTYPE.label(),
                ModelSpec.DEFAULT_BACKEND.name());
    }

    /**
     * The Prompt page's fields as typed (kept as text so a half-typed value survives a restart), its
     * mode ({@code prompt} or {@code chat}) and the chat's system prompt.
     */
    public record PromptChoice(String template, String textColumn, String customTemplate, String input,
                               String maxNewTokens, String eosTokenIds, String temperature, String topK,
                               String topP, String seed, String mode, String systemPrompt) {
        static final PromptChoice DEFAULT = new PromptChoice("seed", "Tweet text", "Question: {input}\nAnswer:",
                "Every day is a new binning, filled with optionpiening and hope", "10", "", "0", "0", "1.0", "",
                "prompt", "You are a helpful assistant.");

        public PromptChoice {
            mode = mode == null ? "prompt" : mode;
            systemPrompt = systemPrompt == null ? "" : systemPrompt;
        }
    }

    /** The Serve page's ports, as typed. */
    public record ServeChoice(String httpPort, String grpcPort) {
        static final ServeChoice DEFAULT = new ServeChoice(String.valueOf(RuntimeContract.HTTP_PORT),
                String.valueOf(RuntimeContract.GRPC_PORT));
    }

    /** What {@code publish} publishes when not told otherwise (the model-choice table's default). */
    private static final ModelFields PUBLISHED = dev.peftbench.contract.ModelChoice.EntryPoint.PUBLISH.defaults();

    /** The Publish page's fields, as typed; an empty context means the kubeconfig's current one. */
    public record PublishChoice(String context, String namespace, String image, String runtimeName, String serviceName,
                                String baseModel, String adapter, String dtype, String backend, String device,
                                String storageKey, String storagePath, boolean gateway, boolean nativeRuntime,
                                boolean createNamespace) {
        static final PublishChoice DEFAULT = new PublishChoice("", PublishPlan.DEFAULT_NAMESPACE, "",
                PublishPlan.DEFAULT_RUNTIME, PublishPlan.DEFAULT_SERVICE, PUBLISHED.baseModel(), PUBLISHED.adapter(), null, null, null, PublishPlan.Storage.REFERENCE.key(),
                PublishPlan.Storage.REFERENCE.path(), false, false, false);
    }

    /**
     * First-run settings for {@code model} (as {@link #firstRunModel} chose it), how it runs filled in with
     * the engine's defaults where nothing said.
     */
    public static WorkbenchSettings firstRun(ModelFields model) {
        ModelChoice chosen = new ModelChoice(model.baseModel(), model.adapterToLoad() == null ? "" : model.adapterToLoad(),
                (model.device() == null ? ModelSpec.DEFAULT_DEVICE : model.device()).name(),
                (model.dtype() == null ? ModelSpec.DEFAULT_DTYPE : model.dtype()).label(),
                (model.backend() == null ? ModelSpec.DEFAULT_BACKEND : model.backend()).name());
        return new WorkbenchSettings(chosen, PromptChoice.DEFAULT, ServeChoice.DEFAULT, PublishChoice.DEFAULT);
    }

    /**
     * The model the workbench opens with on a first run ({@link dev.peftbench.contract.ModelChoice.EntryPoint#UI_FIRST_RUN}):
     * the environment, else the bundled sample with its prompt-tuning adapter, so the app works offline.
     */
    public static ModelFields firstRunModel(Map<String, String> env) {
        return dev.peftbench.contract.ModelChoice.choose(dev.peftbench.contract.ModelChoice.EntryPoint.UI_FIRST_RUN,
                dev.peftbench.contract.ModelChoice.Said.NOTHING.withEnvironment(ModelFields.fromEnvironment(env))).fields();
    }

    public WorkbenchSettings withModel(ModelChoice m) {
        return new WorkbenchSettings(m, prompt, serve, publish);
    }

    public WorkbenchSettings withPrompt(PromptChoice p) {
        return new WorkbenchSettings(model, p, serve, publish);
    }

    public WorkbenchSettings withPublish(PublishChoice p) {
        return new WorkbenchSettings(model, prompt, serve, p);
    }

    public WorkbenchSettings withServe(ServeChoice s) {
        return new WorkbenchSettings(model, prompt, s, publish);
    }
}
