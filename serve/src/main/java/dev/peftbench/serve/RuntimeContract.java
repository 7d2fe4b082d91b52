package dev.peftbench.serve;

import dev.peftbench.serve.cli.RuntimeMain;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the runtime container and the server agree on, in one place: the settings {@code serve} reads
 * (each a flag and, for most, an environment variable: the reference runtime's MLServer names plus
 * ours), the ports, the defaults, and how the image starts the server. {@code publish} writes this
 * environment into the ServingRuntime, {@code image} bakes its part into the image and starts
 * {@link #MAIN_CLASS}, and {@code serve} resolves it ({@link ServeConfig#resolve}).
 */
public final class RuntimeContract {

    /** One setting of the server: its flag and the environment variable that stands in for it. */
    public enum Setting {
        MODEL_NAME("--name", "MLSERVER_MODEL_NAME"),
        BASE_MODEL("--model", "PRETRAINED_MODEL_PATH"),
        ADAPTER("--adapter", "PEFT_MODEL_ID"),
        TEMPLATE("--template", "PEFTBENCH_TEMPLATE"),
        TEXT_COLUMN("--text-column", "DATASET_TEXT_COLUMN_NAME"),
        DTYPE("--dtype", "PEFTBENCH_DTYPE"),
        BACKEND("--backend", "PEFTBENCH_BACKEND"),
        DEVICE("--device", "PEFTBENCH_DEVICE"),
        HOST("--host", "MLSERVER_HOST"),
        HTTP_PORT("--http-port", "MLSERVER_HTTP_PORT"),
        GRPC_PORT("--grpc-port", "MLSERVER_GRPC_PORT"),
        MMESH_PORT("--mmesh-port", "PEFTBENCH_MMESH_PORT"),
        HEALTH_PORT("--health-port", "PEFTBENCH_HEALTH_PORT"),
        GRPC_MAX_MESSAGE_LENGTH("--grpc-max-message-length", "MLSERVER_GRPC_MAX_MESSAGE_LENGTH"),
        LOAD_MODELS_AT_STARTUP("--load-models-at-startup", "MLSERVER_LOAD_MODELS_AT_STARTUP"),
        MODELS_DIR("--models-dir", "MLSERVER_MODELS_DIR"),
        REQUEST_TIMEOUT("--request-timeout", "PEFTBENCH_REQUEST_TIMEOUT"),
        MAX_REQUEST_BYTES("--max-request-bytes", "PEFTBENCH_MAX_REQUEST_BYTES"),
        MAX_INFLIGHT_REQUEST_BYTES("--max-inflight-request-bytes", "PEFTBENCH_MAX_INFLIGHT_REQUEST_BYTES"),
        QUEUE_CAPACITY("--queue-capacity", "PEFTBENCH_QUEUE_CAPACITY"),
        MAX_PREFILL_TOKENS("--max-prefill-tokens", "PEFTBENCH_MAX_PREFILL_TOKENS"),
        STEP_TARGET_MS("--step-target-ms", "PEFTBENCH_STEP_TARGET_MS"),
        API_KEY("--api-key", "PEFTBENCH_API_KEY"),
        /** A file holding the key (a mounted Kubernetes Secret), so that it shows in no process listing. */
        API_KEY_FILE("--api-key-file", "PEFTBENCH_API_KEY_FILE"),
        PROTECT_PROBES("--protect-probes", "PEFTBENCH_PROTECT_PROBES"),
        TRUST_LOOPBACK("--trust-loopback", "PEFTBENCH_TRUST_LOOPBACK"),
        TLS_CERT("--tls-cert", "PEFTBENCH_TLS_CERT"),
        TLS_KEY("--tls-key", "PEFTBENCH_TLS_KEY"),
        REPOSITORY_API("--repository-api", "PEFTBENCH_REPOSITORY_API"),
        ALLOW_LOAD_FROM("--allow-load-from", "PEFTBENCH_ALLOW_LOAD_FROM"),
        ALLOW_HUB_IDS("--allow-hub-ids", "PEFTBENCH_ALLOW_HUB_IDS"),
        MAX_MODELS("--max-models", "PEFTBENCH_MAX_MODELS"),
        MAX_CONNECTIONS("--max-connections", "PEFTBENCH_MAX_CONNECTIONS"),
        /** Flag only: how long a stopping pod waits is Kubernetes' terminationGracePeriodSeconds. */
        SHUTDOWN_GRACE("--shutdown-grace", null);

        private final String flag;
        private final String env;

        Setting(String flag, String env) {
            this.flag = flag;
            this.env = env;
        }

        public String flag() {
            return flag;
        }

        /** The environment variable, or null for a flag-only setting. */
        public String env() {
            return env;
        }

        /** How messages name the setting: {@code --http-port / MLSERVER_HTTP_PORT}. */
        public String label() {
            return env == null ? flag : flag + " / " + env;
        }
    }

    /** The reference runtime's ports: ModelMesh's own containers hold 8080, 8085 and 8008 in the same pod. */
    public static final int HTTP_PORT = 8002;
    public static final int GRPC_PORT = 8001;
    /**
     * The health probes' own port in the runtime image: a kubelet's liveness and readiness probes point
     * here, where connections to the serving ports cannot crowd them out.
     */
    public static final int HEALTH_PORT = 8003;
    /** ModelMesh's management endpoint (the ServingRuntime's grpcEndpoint): the built-in adapter's, or ours. */
    public static final int MMESH_PORT = 8085;
    /** Every interface: what a container listens on. */
    public static final String ALL_INTERFACES = "0.0.0.0";
    /** This machine only: what {@code serve} listens on unless told otherwise (the image's environment says 0.0.0.0). */
    public static final String LOOPBACK = "127.0.0.1";
    public static final String DEFAULT_MODEL_NAME = "peft-demo";

    /** What the image runs: the server alone, with the command line's error printing. */
    public static final String MAIN_CLASS = RuntimeMain.class.getName();
    /** JVM options of the server: the CPU kernels use the Vector API; huge pages halve model load time. */
    public static final List<String> JVM_OPTIONS = List.of("--add-modules", "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED", "-XX:+UseTransparentHugePages", "-Dai.djl.offline=true");
    /** Where {@code image --bake-model / --bake-adapter} put the folders. */
    public static final String BAKED_MODEL_DIR = "/models/base";
    public static final String BAKED_ADAPTER_DIR = "/models/adapter";

    private RuntimeContract() {
    }

    /**
     * The environment the image itself carries; a ServingRuntime's container env is layered over it.
     * PyTorch's natives come from a jar on the classpath, unpacked into DJL's cache, never downloaded.
     */
    public static Map<String, String> imageEnvironment(boolean bakedModel, boolean bakedAdapter) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(Setting.HTTP_PORT.env(), String.valueOf(HTTP_PORT));
        env.put(Setting.GRPC_PORT.env(), String.valueOf(GRPC_PORT));
        env.put(Setting.HEALTH_PORT.env(), String.valueOf(HEALTH_PORT));
        env.put(Setting.HOST.env(), ALL_INTERFACES);
        env.put("DJL_CACHE_DIR", "/tmp/djl");
        // Hub ids the runtime is told to load are downloaded into a cache any user id can write.
        env.put("HF_HOME", "/tmp/huggingface");
        if (bakedModel) {
            env.put(Setting.BASE_MODEL.env(), BAKED_MODEL_DIR);
        }
        if (bakedAdapter) {
            env.put(Setting.ADAPTER.env(), BAKED_ADAPTER_DIR);
        }
        return env;
    }
}
