package dev.peftbench.contract;

import dev.peftbench.engine.hub.HubSettings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the runtime container and the server agree on besides the settings ({@link Setting}): the ports,
 * how the image starts the server and the environment the image carries. {@code publish} writes the
 * settings' variables into the ServingRuntime, {@code image} bakes {@link #imageEnvironment} into the
 * image and starts {@link #MAIN_CLASS}, and {@code serve} resolves them ({@code ServeConfig.resolve}).
 */
public final class RuntimeContract {

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
    /** The ModelMesh runtime SPI port that means "not served". */
    public static final int MMESH_OFF = -1;
    /** The health port that means "none of its own" (the probes answer on the REST port only). */
    public static final int HEALTH_PORT_OFF = -1;

    /**
     * What the image runs: the server alone, with the command line's error printing (serve's RuntimeMain,
     * named as text so that this module needs no server; a serve test loads it by this name).
     */
    public static final String MAIN_CLASS = "dev.peftbench.serve.cli.RuntimeMain";
    /** Transparent huge pages: a flag of HotSpot's Linux builds only; elsewhere the JVM refuses to start on it. */
    static final String HUGE_PAGES = "-XX:+UseTransparentHugePages";
    /**
     * The oldest Java feature release the server runs on (the launcher {@code ./peftbench} asks the same of a
     * JDK); the runtime image's base must hold one at least as new.
     */
    public static final int MIN_JAVA_FEATURE = 22;
    /** JVM options of the server: the CPU kernels use the Vector API; huge pages halve model load time. */
    public static final List<String> JVM_OPTIONS = List.of("--add-modules", "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED", HUGE_PAGES, "-Dai.djl.offline=true");
    /** Where {@code image --bake-model / --bake-adapter} put the folders. */
    public static final String BAKED_MODEL_DIR = "/models/base";
    public static final String BAKED_ADAPTER_DIR = "/models/adapter";
    /** The runtime's Hugging Face home (its hub cache below it): a folder any user id can write, or a mounted volume. */
    public static final String HF_HOME_DIR = "/tmp/huggingface";

    private RuntimeContract() {
    }

    /**
     * {@link #JVM_OPTIONS} for a JVM on the operating system {@code osName} (as {@code os.name} says it): what
     * the installed app's launcher passes; huge pages only where the flag exists.
     */
    public static List<String> jvmOptions(String osName) {
        return osName.toLowerCase(Locale.ROOT).startsWith("linux") ? JVM_OPTIONS
                : JVM_OPTIONS.stream().filter(option -> !option.equals(HUGE_PAGES)).toList();
    }

    /** {@code setting}'s variable set to {@code value}, written as the setting parses it back. */
    public static <T> void put(Map<String, String> env, Setting<T> setting, T value) {
        env.put(setting.env(), setting.write(value));
    }

    /**
     * The environment the image itself carries; a ServingRuntime's container env is layered over it.
     * PyTorch's natives come from a jar on the classpath, unpacked into DJL's cache, never downloaded.
     */
    public static Map<String, String> imageEnvironment(boolean bakedModel, boolean bakedAdapter) {
        Map<String, String> env = new LinkedHashMap<>();
        put(env, Setting.HTTP_PORT, HTTP_PORT);
        put(env, Setting.GRPC_PORT, GRPC_PORT);
        put(env, Setting.HEALTH_PORT, HEALTH_PORT);
        put(env, Setting.HOST, ALL_INTERFACES);
        // DJL's own variable (ai.djl.util.Utils.getEngineCacheDir): where PyTorch's natives are unpacked.
        env.put("DJL_CACHE_DIR", "/tmp/djl");
        // Hub ids the runtime is told to load are downloaded into a cache any user id can write.
        env.put(HubSettings.HF_HOME, HF_HOME_DIR);
        if (bakedModel) {
            put(env, Setting.BASE_MODEL, BAKED_MODEL_DIR);
        }
        if (bakedAdapter) {
            put(env, Setting.ADAPTER, BAKED_ADAPTER_DIR);
        }
        return env;
    }
}
