package dev.peftbench.publish.cli;

import dev.peftbench.publish.cluster.ClusterConnection;
import dev.peftbench.publish.cluster.PublishEvent;
import dev.peftbench.publish.cluster.Publisher;
import dev.peftbench.publish.manifest.Manifests;
import dev.peftbench.publish.plan.PublishPlan;
import dev.peftbench.contract.RuntimeContract;
import dev.peftbench.contract.ModelChoice;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.contract.Setting;
import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * {@code peftbench publish}: the ServingRuntime + InferenceService (+ Istio ingress) of the reference
 * deployment, applied with fabric8 to the current or a chosen kube context, then watched until Ready.
 */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Publish the runtime and InferenceService to a KServe ModelMesh cluster (or print them with --dry-run).")
public final class PublishCommand implements Callable<Integer> {

    @Option(names = "--context", description = "Kube context (default: kubeconfig's current).")
    String context;
    @Option(names = "--namespace", description = "Default " + PublishPlan.DEFAULT_NAMESPACE + ".")
    String namespace = PublishPlan.DEFAULT_NAMESPACE;
    @Option(names = "--image", description = "Runtime image (build one with ./peftbench image).")
    String image;
    @Option(names = "--runtime-name", description = "ServingRuntime name (default " + PublishPlan.DEFAULT_RUNTIME + ").")
    String runtimeName = PublishPlan.DEFAULT_RUNTIME;
    @Option(names = "--name", description = "InferenceService name (default " + PublishPlan.DEFAULT_SERVICE + ").")
    String name = PublishPlan.DEFAULT_SERVICE;
    @Option(names = "--model", description = "The runtime's base model: a Hub id, or a path in its container "
            + "(default bigscience/bloomz-560m; its adapter applies only when --model is not given).")
    String model;
    @Option(names = "--adapter", description = "The runtime's PEFT adapter (default aipipeline/bloomz-560m_PROMPT_TUNING_CAUSAL_LM "
            + "with the default model; 'none' for no adapter).")
    String adapter;
    @Option(names = "--text-column", description = "Text column of the runtime's seed template (default: the server's, 'Tweet text').")
    String textColumn;
    @Option(names = "--storage-key", description = "Key of the storage-config Secret (default localMinIO).")
    String storageKey;
    @Option(names = "--storage-path", description = "Model path in that storage (default sklearn/mnist-svm.joblib, as the reference).")
    String storagePath;
    @Option(names = "--gateway", description = "Also create an Istio Gateway (port " + Manifests.MODELMESH_REST_PORT
            + ") and VirtualService for the ASM ingress, routing /v2/ to ModelMesh's REST proxy and /v1/ (OpenAI) to the "
            + "runtime pods; needs --gateway-host.")
    boolean gateway;
    @Option(names = "--gateway-host", paramLabel = "HOST", description = "A host name the gateway accepts, e.g. "
            + "peft.example.com or *.example.com; repeatable; '*' accepts every host. Implies --gateway.")
    java.util.List<String> gatewayHosts;
    @Option(names = "--hf-token-secret", paramLabel = "SECRET[:KEY]", description = "The runtime's HF_TOKEN (gated or "
            + "private Hub models) from this Secret's key (default key " + PublishPlan.SecretKeyRef.HF_TOKEN
            + "): kubectl create secret generic SECRET --from-literal=" + PublishPlan.SecretKeyRef.HF_TOKEN + "=hf_...")
    String hfTokenSecret;
    @Option(names = "--hf-cache-claim", paramLabel = "PVC", description = "Mount this PersistentVolumeClaim as the runtime's "
            + "Hugging Face cache, so downloads outlive the pods (default: an emptyDir, which outlives container restarts).")
    String hfCacheClaim;
    @Option(names = "--dry-run", description = "Print the YAML and touch nothing.")
    boolean dryRun;
    @Option(names = "--wait", description = "Seconds to wait for Ready (default 300; 0 = do not wait).")
    int waitSeconds = 300;
    @Option(names = "--delete", description = "Delete what publish created.")
    boolean delete;
    @Option(names = "--create-namespace", description = "Create the namespace when it is missing.")
    boolean createNamespace;
    @Option(names = "--build-image", description = "Build the runtime image first (Jib), push it to --image, and publish its digest.")
    boolean buildImage;
    @Option(names = "--model-source", description = "storage (ModelMesh pulls from --storage-key/--storage-path; default) "
            + "or baked (the model is copied into the image: needs --bake-model; for air-gapped clusters; the runtime is "
            + "then the native one, which loads the image's folder without pulling).")
    String modelSource = "storage";
    @Option(names = "--bake-model", description = "Base model folder to copy into the image (with --model-source baked).")
    java.nio.file.Path bakeModel;
    @Option(names = "--bake-adapter", description = "Adapter folder to copy into the image (with --model-source baked).")
    java.nio.file.Path bakeAdapter;
    @Option(names = "--api-key-secret", description = "SECRET[:KEY] (key default api-key): the runtime wants this Secret's value "
            + "as its API key (from a secretKeyRef); create it with kubectl create secret generic SECRET "
            + "--from-literal=api-key=...")
    String apiKeySecret;
    @Option(names = "--native-runtime", description = "The server speaks ModelMesh's runtime SPI itself on 8085: no builtInAdapter sidecar, no dummy model name.")
    boolean nativeRuntime;
    @Option(names = "--dtype", description = "The runtime's dtype: float32, bfloat16, int8 or q4 (cpu backend; bfloat16 is "
            + "about twice as fast in half the memory, int8 and q4 quantize at load), float16 (djl backend) (default: bfloat16; "
            + "with --backend djl or --device gpu the server's).")
    String dtype;
    @Option(names = "--backend", description = "The runtime's backend: auto, cpu or djl (default: the server's, auto).")
    String backend;
    @Option(names = "--device", description = "The runtime's device: cpu or gpu (default: the server's, cpu).")
    String device;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** How the command reaches a cluster; tests pass the mock server's client. */
    Function<String, KubernetesClient> connect = ClusterConnection::open;

    @Override
    public Integer call() throws java.io.IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (waitSeconds < 0) {
            throw new IllegalArgumentException("--wait must be >= 0 seconds");
        }
        if ((storageKey == null) != (storagePath == null)) {
            throw new IllegalArgumentException("--storage-key and --storage-path go together");
        }
        boolean baked = switch (modelSource) {
            case "storage" -> false;
            case "baked" -> true;
            default -> throw new IllegalArgumentException("--model-source must be storage or baked, got " + modelSource);
        };
        PublishPlan plan = plan();
        PrintWriter err = spec.commandLine().getErr();
        plan.warnings().forEach(w -> err.println("warning: " + w));
        err.flush();
        if (!dryRun && (buildImage || baked)) {
            String digest = dev.peftbench.publish.image.RuntimeImageBuilder.build(new dev.peftbench.publish.image.ImageSpec(
                    plan.image(), null, null, null, ImageCommand.serverClasspath(), bakeModel, bakeAdapter, ImageCommand.version()),
                    e -> out.printf("image: %s%n", e.message()));
            plan = plan.withImage(dev.peftbench.publish.image.RuntimeImageBuilder.pinned(plan.image(), digest));
        }
        if (dryRun) {
            out.print(Publisher.preview(plan));
            out.flush();
            return 0;
        }
        Consumer<PublishEvent> events = e -> {
            out.println(e);
            out.flush();
        };
        try (KubernetesClient client = connect.apply(plan.context())) {
            Publisher publisher = new Publisher(client);
            if (delete) {
                publisher.delete(plan, events);
                return 0;
            }
            publisher.apply(plan, createNamespace, events);
            if (waitSeconds > 0) {
                publisher.awaitReady(plan, Duration.ofSeconds(waitSeconds), events);
            }
            return 0;
        }
    }

    /**
     * The plan the flags describe; with {@code --model-source baked}, the native runtime runs the folders baked
     * into the image, and the InferenceService names the image's model folder instead of a storage path.
     */
    PublishPlan plan() {
        boolean baked = "baked".equals(modelSource);
        if (baked && bakeModel == null) {
            throw new IllegalArgumentException("--model-source baked needs --bake-model DIR (and optionally --bake-adapter DIR)");
        }
        if (baked && storageKey != null) {
            throw new IllegalArgumentException("--model-source baked pulls nothing: leave out --storage-key and --storage-path");
        }
        if (gateway && (gatewayHosts == null || gatewayHosts.isEmpty())) {
            throw new IllegalArgumentException("--gateway needs the host names it accepts: --gateway-host peft.example.com "
                    + "(repeatable; '*' accepts every host)");
        }
        ModelFields flags = baked ? ModelFields.of(RuntimeContract.BAKED_MODEL_DIR, bakeAdapter == null ? null : RuntimeContract.BAKED_ADAPTER_DIR)
                : ModelFields.of(model, adapter);
        ModelFields chosen = ModelChoice.choose(ModelChoice.EntryPoint.PUBLISH, ModelChoice.Said.NOTHING.withFlags(flags)).fields();
        String img = image;
        if (img == null) {
            if (!delete) {
                throw new IllegalArgumentException("--image is required: the runtime image the cluster pulls "
                        + "(build and push one with ./peftbench image)");
            }
            img = "unused-for-delete";
        }
        PublishPlan.Storage storage = baked ? PublishPlan.Storage.IN_IMAGE
                : storageKey == null ? PublishPlan.Storage.REFERENCE : new PublishPlan.Storage(storageKey, storagePath);
        PublishPlan.Compute compute = PublishPlan.Compute.publishDefault(ModelFields.parse(dtype, Setting.DTYPE, null),
                ModelFields.parse(backend, Setting.BACKEND, null), ModelFields.parse(device, Setting.DEVICE, null));
        PublishPlan.Ingress ingress = gatewayHosts == null || gatewayHosts.isEmpty() ? null : new PublishPlan.Ingress(gatewayHosts);
        PublishPlan.HubAccess hub = new PublishPlan.HubAccess(true, hfCacheClaim,
                PublishPlan.SecretKeyRef.parse(hfTokenSecret, PublishPlan.SecretKeyRef.HF_TOKEN, "Hugging Face token"));
        return new PublishPlan(context, namespace, runtimeName, name, img, PublishPlan.ModelFormat.PEFT, chosen.baseModel(),
                chosen.adapterToLoad(), textColumn, compute,
                PublishPlan.ServerSettings.REFERENCE, PublishPlan.Resources.DEFAULT, PublishPlan.AdapterSettings.DEFAULT,
                storage, ingress, nativeRuntime || baked, PublishPlan.SecretKeyRef.parse(apiKeySecret, PublishPlan.SecretKeyRef.API_KEY, "API key"),
                hub);
    }
}
