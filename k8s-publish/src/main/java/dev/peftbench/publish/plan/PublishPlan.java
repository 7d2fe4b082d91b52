package dev.peftbench.publish.plan;

import dev.peftbench.engine.Backend;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import dev.peftbench.contract.ModelChoice;
import dev.peftbench.contract.RuntimeContract;
import dev.peftbench.contract.Setting;

import dev.peftbench.engine.hub.RepoId;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Everything a user chose for one publish, validated on construction: where (namespace, kube context),
 * the ServingRuntime (name, image, model format, the engine's environment, resources, ModelMesh's
 * built-in adapter settings) and the InferenceService (name, storage), and whether to add an Istio /
 * ASM ingress. Defaults are the reference deployment's values.
 *
 * @param context   kube context; null = kubeconfig's current context
 * @param textColumn the runtime's text column ({@link Setting#TEXT_COLUMN}); null leaves the variable out (server default)
 * @param nativeRuntime the server answers ModelMesh's runtime SPI itself on {@value RuntimeContract#MMESH_PORT}: no
 *                      builtInAdapter sidecar, no dummy model name (else the reference's MLServer adapter layout)
 * @param ingress       the Istio Gateway + VirtualService and the hosts they accept; null = none
 * @param apiKey        the Secret key holding the runtime's API key; null = the runtime wants none
 * @param hub           the runtime's Hugging Face cache volume and token; {@link HubAccess#NONE} = neither
 */
public record PublishPlan(String context, String namespace, String runtimeName, String serviceName, String image,
                          ModelFormat modelFormat, String baseModel, String adapter, String textColumn, Compute compute,
                          ServerSettings server, Resources resources, AdapterSettings adapterSettings, Storage storage,
                          Ingress ingress, boolean nativeRuntime, SecretKeyRef apiKey, HubAccess hub) {

    /** DNS-1123 label: what Kubernetes accepts for namespaces and what KServe accepts for names. */
    private static final Pattern DNS_1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    /** KServe's InferenceService name rule (inference_service_validation.go): starts with a letter. */
    private static final Pattern ISVC_NAME = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");

    /** ModelMesh Serving's namespace in its quick start, and the reference deployment's. */
    public static final String DEFAULT_NAMESPACE = "modelmesh-serving";
    public static final String DEFAULT_RUNTIME = "peft-model-server";
    public static final String DEFAULT_SERVICE = "peft-demo";

    /** {@code supportedModelFormats} entry and the InferenceService's modelFormat. */
    public record ModelFormat(String name, String version, boolean autoSelect) {
        public ModelFormat {
            label("model format name", name);
            if (version == null || version.isBlank()) {
                throw new IllegalArgumentException("model format version must not be empty");
            }
        }

        public static final ModelFormat PEFT = new ModelFormat("peft-model", "1", true);
    }

    /**
     * How the engine runs in the runtime ({@link Setting#DTYPE}, {@link Setting#BACKEND}, {@link Setting#DEVICE});
     * null leaves a variable out, so the server's default applies.
     */
    public record Compute(ComputeType dtype, Backend backend, Device device) {
        public static final Compute SERVER_DEFAULT = new Compute(null, null, null);

        /**
         * What {@code publish} runs when not told: bfloat16 on the CPU backend (about twice float32's speed in
         * half the memory, docs/performance.md); a dtype left out where djl or a GPU is asked for, as bfloat16
         * is the cpu backend's. Given values stay as given.
         */
        public static Compute publishDefault(ComputeType dtype, Backend backend, Device device) {
            boolean cpuBackend = backend != Backend.DJL && device != Device.GPU;
            return new Compute(dtype == null && cpuBackend ? ComputeType.BFLOAT16 : dtype, backend, device);
        }
    }

    /** The server's ports and MLServer-compatible settings in the runtime container (the reference runtime's env). */
    public record ServerSettings(int grpcPort, int httpPort, String host, String modelName, boolean loadModelsAtStartup,
                                 String modelsDir, long grpcMaxMessageLength) {
        /** Ports ModelMesh's own containers use in the same pod. */
        private static final Set<Integer> MODELMESH_PORTS = Set.of(8080, RuntimeContract.MMESH_PORT, 8008, 8033, 8089, 8090, 2112);

        public ServerSettings {
            for (int port : new int[] {grpcPort, httpPort}) {
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("port " + port + " is outside 1-65535");
                }
                if (MODELMESH_PORTS.contains(port)) {
                    throw new IllegalArgumentException("port " + port + " is taken by ModelMesh's containers in the runtime pod; "
                            + "use e.g. " + RuntimeContract.GRPC_PORT + " (gRPC) and " + RuntimeContract.HTTP_PORT + " (HTTP)");
                }
            }
            if (grpcPort == httpPort) {
                throw new IllegalArgumentException("the runtime's gRPC and HTTP ports must differ");
            }
            if (modelName == null || modelName.isBlank()) {
                throw new IllegalArgumentException(Setting.MODEL_NAME.env() + " must not be empty");
            }
        }

        public static final ServerSettings REFERENCE = new ServerSettings(RuntimeContract.GRPC_PORT, RuntimeContract.HTTP_PORT,
                "127.0.0.1", "peft-model", true, "/models/_mlserver_models/", -1);
    }

    /** Container requests and limits, as Kubernetes quantities. */
    public record Resources(String cpuRequest, String memoryRequest, String cpuLimit, String memoryLimit) {
        private static final Pattern QUANTITY = Pattern.compile("[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?");

        public Resources {
            for (String q : new String[] {cpuRequest, memoryRequest, cpuLimit, memoryLimit}) {
                if (q == null || !QUANTITY.matcher(q).matches()) {
                    throw new IllegalArgumentException("'" + q + "' is not a Kubernetes quantity (e.g. 500m, 5, 4Gi)");
                }
            }
        }

        public static final Resources DEFAULT = new Resources("500m", "4Gi", "5", "5Gi");
    }

    /** ModelMesh's built-in MLServer adapter ({@code spec.builtInAdapter}). */
    public record AdapterSettings(int runtimeManagementPort, long memBufferBytes, long modelLoadingTimeoutMillis) {
        public AdapterSettings {
            if (memBufferBytes < 0 || modelLoadingTimeoutMillis < 1) {
                throw new IllegalArgumentException("memBufferBytes must be >= 0 and modelLoadingTimeoutMillis >= 1");
            }
        }

        /** The adapter reaches MLServer on its gRPC port. */
        public static final AdapterSettings DEFAULT = new AdapterSettings(RuntimeContract.GRPC_PORT, 134217728L, 90000L);
    }

    /**
     * A key of a Secret whose value becomes one of the runtime's variables through a {@code secretKeyRef}, so
     * the value is in no manifest: {@code kubectl create secret generic NAME --from-literal=KEY=...}.
     */
    public record SecretKeyRef(String name, String key) {
        /** The key of the API key's Secret unless named. */
        public static final String API_KEY = "api-key";
        /** The key of the Hugging Face token's Secret unless named (huggingface_hub's variable). */
        public static final String HF_TOKEN = "token";
        private static final Pattern SECRET_KEY = Pattern.compile("[-._a-zA-Z0-9]+");

        public SecretKeyRef {
            subdomain("Secret name", name);
            if (key == null || key.isBlank() || key.length() > 253 || !SECRET_KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("Secret key '" + key + "' must be letters, digits, '-', '_' or '.'");
            }
        }

        /**
         * {@code NAME} (then {@code defaultKey}) or {@code NAME:KEY}; null or blank = none. A refusal names
         * {@code what} the Secret holds ("API key").
         */
        public static SecretKeyRef parse(String text, String defaultKey, String what) {
            if (text == null || text.isBlank()) {
                return null;
            }
            int colon = text.indexOf(':');
            try {
                return colon < 0 ? new SecretKeyRef(text.trim(), defaultKey)
                        : new SecretKeyRef(text.substring(0, colon).trim(), text.substring(colon + 1).trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + " " + e.getMessage());
            }
        }
    }

    /**
     * The runtime's Hugging Face cache as a volume mounted at the image's {@code HF_HOME} (an emptyDir, so a
     * restarted container finds what it downloaded; or a PersistentVolumeClaim, which every pod of the runtime
     * shares across restarts), and the token for gated or private models from a Secret.
     *
     * @param cache      false: no volume (the container's own file system)
     * @param cacheClaim a PersistentVolumeClaim's name; null = an emptyDir
     * @param token      null = no token
     */
    public record HubAccess(boolean cache, String cacheClaim, SecretKeyRef token) {
        public static final HubAccess NONE = new HubAccess(false, null, null);
        /** What {@code publish} writes unless told otherwise: an emptyDir cache, no token. */
        public static final HubAccess DEFAULT = new HubAccess(true, null, null);

        public HubAccess {
            if (cacheClaim != null && cacheClaim.isBlank()) {
                cacheClaim = null;
            }
            if (cacheClaim != null) {
                subdomain("Hugging Face cache PersistentVolumeClaim", cacheClaim);
                cache = true;
            }
        }
    }

    /**
     * The Istio Gateway and VirtualService of the ASM ingress, accepting only {@code hosts}: DNS names, a
     * wildcard's {@code *.example.com}, or {@code *} (every host) when asked for by name.
     */
    public record Ingress(List<String> hosts) {
        /** The Service in front of the runtime pods' HTTP port (the OpenAI routes) is the InferenceService's name with this. */
        public static final String SERVICE_SUFFIX = "-v1";
        private static final Pattern HOST = Pattern.compile("(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

        public Ingress {
            hosts = hosts == null ? List.of() : hosts.stream().map(String::trim).filter(h -> !h.isEmpty()).distinct().toList();
            if (hosts.isEmpty()) {
                throw new IllegalArgumentException("the ingress gateway needs the host names it accepts (--gateway-host "
                        + "peft.example.com, repeatable; '*' accepts every host)");
            }
            for (String h : hosts) {
                if (!h.equals("*") && (h.length() > 253 || !HOST.matcher(h).matches())) {
                    throw new IllegalArgumentException("gateway host '" + h + "' must be a DNS name (peft.example.com), "
                            + "a wildcard (*.example.com) or '*'");
                }
            }
        }
    }

    /**
     * Where ModelMesh finds the model: a key of the storage-config Secret and a path there; or, with no key, a
     * path in the runtime's own image ({@link #inImage}), which nothing pulls.
     */
    public record Storage(String key, String path) {
        public Storage {
            if (key != null && key.isBlank()) {
                key = null;
            }
            if (path == null || path.isBlank()) {
                throw new IllegalArgumentException("--storage-key and --storage-path go together and must not be empty");
            }
        }

        public static final Storage REFERENCE = new Storage("localMinIO", "sklearn/mnist-svm.joblib");

        /** The model baked into the image at {@value RuntimeContract#BAKED_MODEL_DIR}: ModelMesh passes this path to loadModel. */
        public static final Storage IN_IMAGE = new Storage(null, RuntimeContract.BAKED_MODEL_DIR);

        /** Nothing is pulled: the path is in the runtime's image. */
        public boolean inImage() {
            return key == null;
        }
    }

    public PublishPlan {
        label("namespace", namespace);
        subdomain("runtime name", runtimeName);
        if (serviceName == null || serviceName.length() > 63 || !ISVC_NAME.matcher(serviceName).matches()) {
            throw new IllegalArgumentException("service name '" + serviceName + "' must be a DNS-1123 label starting with a "
                    + "letter: lower-case letters, digits and '-', at most 63 characters (KServe's rule)");
        }
        if (image == null || image.isBlank() || image.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("--image must name the runtime image, e.g. registry.example/peft-workbench:0.1 "
                    + "(build one with ./peftbench image)");
        }
        if (baseModel == null || baseModel.isBlank()) {
            throw new IllegalArgumentException("the base model (" + Setting.BASE_MODEL.label() + ") must not be empty");
        }
        if (adapter != null && adapter.isBlank()) {
            adapter = null;
        }
        if (textColumn != null && textColumn.isBlank()) {
            textColumn = null;
        }
        if (context != null && context.isBlank()) {
            context = null;
        }
        compute = compute == null ? Compute.SERVER_DEFAULT : compute;
        hub = hub == null ? HubAccess.NONE : hub;
        if (modelFormat == null || server == null || resources == null || adapterSettings == null || storage == null) {
            throw new IllegalArgumentException("model format, server settings, resources, adapter settings and storage are required");
        }
        if (ingress != null && serviceName.length() > 63 - Ingress.SERVICE_SUFFIX.length()) {
            throw new IllegalArgumentException("service name '" + serviceName + "' is too long for the ingress's Service "
                    + serviceName + Ingress.SERVICE_SUFFIX + ": at most " + (63 - Ingress.SERVICE_SUFFIX.length()) + " characters");
        }
        if (storage.inImage() && !nativeRuntime) {
            // ModelMesh's built-in adapter pulls every model from storage before loading it.
            throw new IllegalArgumentException("a model baked into the image needs the native runtime (--native-runtime): "
                    + "ModelMesh's built-in adapter pulls each model from storage, and there is none to pull");
        }
    }

    /** The Istio ingress is part of the plan. */
    public boolean gateway() {
        return ingress != null;
    }

    /**
     * What the operator should know before applying: a base model or adapter named by a path (or a folder of
     * this machine) goes into the runtime's variables as a path inside its container, where it exists only if
     * the image holds it or a volume mounts it.
     */
    public List<String> warnings() {
        List<String> out = new ArrayList<>();
        warnIfLocal(out, Setting.BASE_MODEL, baseModel, RuntimeContract.BAKED_MODEL_DIR, "--bake-model");
        warnIfLocal(out, Setting.ADAPTER, adapter, RuntimeContract.BAKED_ADAPTER_DIR, "--bake-adapter");
        if (ingress != null && apiKey == null) {
            out.add("the ingress gateway lets whoever reaches " + String.join(", ", ingress.hosts()) + " run the models "
                    + "(/v2/ and /v1/) without a key: name an API key Secret (--api-key-secret SECRET)");
        }
        return out;
    }

    private static void warnIfLocal(List<String> out, Setting<String> setting, String value, String baked, String bakeFlag) {
        if (value == null || value.equals(baked) || value.startsWith(baked + "/")) {
            return;
        }
        boolean hereToo = isLocalFolder(value);
        if (RepoId.isValid(value) && !hereToo) {
            return;
        }
        out.add(setting.env() + "=" + value + " is a path in the runtime's container" + (hereToo ? " (a folder of this machine)" : "")
                + ": the pod finds it only if the image holds it or a volume mounts it there. To publish a local folder, "
                + "bake it into the image (--model-source baked " + bakeFlag + " " + value + ") or upload it to the "
                + "Hugging Face Hub and name its id (ORG/NAME)");
    }

    private static boolean isLocalFolder(String value) {
        try {
            return Files.isDirectory(Path.of(value));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /** The same plan running another image (e.g. the digest of a fresh build). */
    public PublishPlan withImage(String newImage) {
        return new PublishPlan(context, namespace, runtimeName, serviceName, newImage, modelFormat, baseModel, adapter,
                textColumn, compute, server, resources, adapterSettings, storage, ingress, nativeRuntime, apiKey, hub);
    }

    /** The same plan with an Istio ingress (null: none). */
    public PublishPlan withIngress(Ingress newIngress) {
        return new PublishPlan(context, namespace, runtimeName, serviceName, image, modelFormat, baseModel, adapter,
                textColumn, compute, server, resources, adapterSettings, storage, newIngress, nativeRuntime, apiKey, hub);
    }

    /** The same plan with another Hugging Face cache volume and token. */
    public PublishPlan withHub(HubAccess newHub) {
        return new PublishPlan(context, namespace, runtimeName, serviceName, image, modelFormat, baseModel, adapter,
                textColumn, compute, server, resources, adapterSettings, storage, ingress, nativeRuntime, apiKey, newHub);
    }

    /** The reference deployment's values with the given image. */
    public static PublishPlan reference(String image) {
        return new PublishPlan(null, DEFAULT_NAMESPACE, DEFAULT_RUNTIME, DEFAULT_SERVICE, image, ModelFormat.PEFT,
                ModelChoice.EntryPoint.PUBLISH.defaults().baseModel(), ModelChoice.EntryPoint.PUBLISH.defaults().adapter(), null, Compute.SERVER_DEFAULT, ServerSettings.REFERENCE, Resources.DEFAULT,
                AdapterSettings.DEFAULT, Storage.REFERENCE, null, false, null, HubAccess.NONE);
    }

    private static void label(String what, String value) {
        if (value == null || value.length() > 63 || !DNS_1123_LABEL.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " '" + value + "' is not a valid DNS-1123 label: lower-case letters, "
                    + "digits and '-', starting and ending with a letter or digit, at most 63 characters");
        }
    }

    private static void subdomain(String what, String value) {
        if (value == null || value.length() > 253) {
            throw new IllegalArgumentException(what + " '" + value + "' is not a valid DNS-1123 subdomain");
        }
        for (String part : value.split("\\.", -1)) {
            if (!DNS_1123_LABEL.matcher(part).matches()) {
                throw new IllegalArgumentException(what + " '" + value + "' is not a valid DNS-1123 subdomain: lower-case "
                        + "letters, digits, '-' and '.', each part starting and ending with a letter or digit");
            }
        }
    }
}
