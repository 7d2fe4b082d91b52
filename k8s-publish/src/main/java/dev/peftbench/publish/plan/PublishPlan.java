package dev.peftbench.publish.plan;

import dev.peftbench.engine.Backend;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import dev.peftbench.contract.ModelChoice;
import dev.peftbench.contract.RuntimeContract;
import dev.peftbench.contract.Setting;

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
 * @param apiKey        the Secret key holding the runtime's API key; null = the runtime wants none
 */
public record PublishPlan(String context, String namespace, String runtimeName, String serviceName, String image,
                          ModelFormat modelFormat, String baseModel, String adapter, String textColumn, Compute compute,
                          ServerSettings server, Resources resources, AdapterSettings adapterSettings, Storage storage,
                          boolean gateway, boolean nativeRuntime, ApiKeySecret apiKey) {

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
     * The Secret (and the key in it) whose value becomes the runtime's {@link Setting#API_KEY} through a
     * {@code secretKeyRef}, so the key is in no manifest: {@code kubectl create secret generic NAME --from-literal=KEY=...}.
     */
    public record ApiKeySecret(String name, String key) {
        public static final String DEFAULT_KEY = "api-key";
        private static final Pattern SECRET_KEY = Pattern.compile("[-._a-zA-Z0-9]+");

        public ApiKeySecret {
            subdomain("API key Secret name", name);
            if (key == null || key.isBlank()) {
                key = DEFAULT_KEY;
            }
            if (key.length() > 253 || !SECRET_KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("API key Secret key '" + key + "' must be letters, digits, '-', '_' or '.'");
            }
        }

        /** {@code NAME} or {@code NAME:KEY}; null or blank = none. */
        public static ApiKeySecret parse(String text) {
            if (text == null || text.isBlank()) {
                return null;
            }
            int colon = text.indexOf(':');
            return colon < 0 ? new ApiKeySecret(text.trim(), null)
                    : new ApiKeySecret(text.substring(0, colon).trim(), text.substring(colon + 1).trim());
        }
    }

    /** Where ModelMesh pulls the model from: a key of the storage-config Secret and a path. */
    public record Storage(String key, String path) {
        public Storage {
            if (key == null || key.isBlank() || path == null || path.isBlank()) {
                throw new IllegalArgumentException("--storage-key and --storage-path go together and must not be empty");
            }
        }

        public static final Storage REFERENCE = new Storage("localMinIO", "sklearn/mnist-svm.joblib");
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
        if (modelFormat == null || server == null || resources == null || adapterSettings == null || storage == null) {
            throw new IllegalArgumentException("model format, server settings, resources, adapter settings and storage are required");
        }
    }

    /** The same plan running another image (e.g. the digest of a fresh build). */
    public PublishPlan withImage(String newImage) {
        return new PublishPlan(context, namespace, runtimeName, serviceName, newImage, modelFormat, baseModel, adapter,
                textColumn, compute, server, resources, adapterSettings, storage, gateway, nativeRuntime, apiKey);
    }

    /** The reference deployment's values with the given image. */
    public static PublishPlan reference(String image) {
        return new PublishPlan(null, DEFAULT_NAMESPACE, DEFAULT_RUNTIME, DEFAULT_SERVICE, image, ModelFormat.PEFT,
                ModelChoice.EntryPoint.PUBLISH.defaults().baseModel(), ModelChoice.EntryPoint.PUBLISH.defaults().adapter(), null, Compute.SERVER_DEFAULT, ServerSettings.REFERENCE, Resources.DEFAULT,
                AdapterSettings.DEFAULT, Storage.REFERENCE, false, false, null);
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
