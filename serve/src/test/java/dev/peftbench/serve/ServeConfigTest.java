package dev.peftbench.serve;

import dev.peftbench.engine.Backend;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.contract.NamedAdapter;
import dev.peftbench.contract.RuntimeContract;
import dev.peftbench.contract.Setting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServeConfigTest {

    private static final Map<String, String> REFERENCE_ENV = Map.of(
            "MLSERVER_MODEL_NAME", "peft-model",
            "MLSERVER_HTTP_PORT", "8002",
            "MLSERVER_GRPC_PORT", "8001",
            "MLSERVER_HOST", "127.0.0.1",
            "MLSERVER_GRPC_MAX_MESSAGE_LENGTH", "-1",
            "MLSERVER_LOAD_MODELS_AT_STARTUP", "true",
            "PRETRAINED_MODEL_PATH", "bigscience/bloomz-560m",
            "PEFT_MODEL_ID", "aipipeline/bloomz-560m_PROMPT_TUNING_CAUSAL_LM");

    private static final Map<Setting<?>, String> NO_FLAGS = Map.of();

    @Test
    void referenceRuntimeEnvironmentIsReadUnchanged() {
        ServeConfig c = ServeConfig.resolve(NO_FLAGS, REFERENCE_ENV);
        assertEquals("peft-model", c.modelName());
        assertEquals("127.0.0.1", c.host());
        assertEquals(8002, c.httpPort());
        assertEquals(8001, c.grpcPort());
        assertEquals(-1, c.grpcMaxMessageBytes());
        assertEquals("bigscience/bloomz-560m", c.model().baseModel());
        assertEquals("aipipeline/bloomz-560m_PROMPT_TUNING_CAUSAL_LM", c.model().adapter());
    }

    @Test
    void theGrpcMessageLimitFollowsTheRequestLimitAndMinusOneIsNeverUnbounded() {
        ServeConfig own = ServeConfig.resolve(Map.of(Setting.MAX_REQUEST_BYTES, "1000"), Map.of("MLSERVER_GRPC_MAX_MESSAGE_LENGTH", "-1"));
        assertEquals(1000, own.grpcInboundLimit());
        assertEquals(500, ServeConfig.resolve(Map.of(Setting.MAX_REQUEST_BYTES, "1000"),
                Map.of("MLSERVER_GRPC_MAX_MESSAGE_LENGTH", "500")).grpcInboundLimit());
        assertEquals(Setting.MAX_REQUEST_BYTES.defaultValue(), ServeConfig.resolve(NO_FLAGS, Map.of()).grpcInboundLimit());
        var above = assertThrows(IllegalArgumentException.class, () -> ServeConfig.resolve(Map.of(Setting.MAX_REQUEST_BYTES, "1000"),
                Map.of("MLSERVER_GRPC_MAX_MESSAGE_LENGTH", "104857600")));
        assertTrue(above.getMessage().contains("MLSERVER_GRPC_MAX_MESSAGE_LENGTH") && above.getMessage().contains("--max-request-bytes"),
                above.getMessage());
    }

    @Test
    void theInflightRequestBytesHoldFourLargestRequestsUnlessGivenAndAtLeastOne() {
        assertEquals(4 * Setting.MAX_REQUEST_BYTES.defaultValue(), ServeConfig.resolve(NO_FLAGS, Map.of()).maxInflightRequestBytes());
        assertEquals(4000, ServeConfig.resolve(Map.of(Setting.MAX_REQUEST_BYTES, "1000"), Map.of()).maxInflightRequestBytes());
        assertEquals(2500, ServeConfig.resolve(Map.of(Setting.MAX_REQUEST_BYTES, "1000"),
                Map.of("PEFTBENCH_MAX_INFLIGHT_REQUEST_BYTES", "2500")).maxInflightRequestBytes());
        var below = assertThrows(IllegalArgumentException.class, () -> ServeConfig.resolve(Map.of(Setting.MAX_REQUEST_BYTES, "1000",
                Setting.MAX_INFLIGHT_REQUEST_BYTES, "999"), Map.of()));
        assertTrue(below.getMessage().contains("--max-inflight-request-bytes") && below.getMessage().contains("--max-request-bytes"),
                below.getMessage());
    }

    @Test
    void theHealthPortIsOffUnlessGivenAndTheImageGivesIt() {
        assertEquals(RuntimeContract.HEALTH_PORT_OFF, ServeConfig.resolve(NO_FLAGS, Map.of()).healthPort());
        assertEquals(RuntimeContract.HEALTH_PORT, ServeConfig.resolve(NO_FLAGS, RuntimeContract.imageEnvironment(false, false)).healthPort());
        assertEquals(9003, ServeConfig.resolve(Map.of(Setting.HEALTH_PORT, "9003"), Map.of()).healthPort());
        var clash = assertThrows(IllegalArgumentException.class, () -> ServeConfig.resolve(Map.of(Setting.HEALTH_PORT, "8002"), Map.of()));
        assertTrue(clash.getMessage().contains("--health-port"), clash.getMessage());
    }

    @Test
    void adaptersComeFromTheFlagOrTheEnvironmentAsNamePairs() {
        ServeConfig env = ServeConfig.resolve(NO_FLAGS, Map.of("PEFTBENCH_ADAPTERS", "tweets=./pt, lora = org/lora-adapter,"));
        assertEquals(List.of(new NamedAdapter("tweets", "./pt"), new NamedAdapter("lora", "org/lora-adapter")), env.adapters());
        ServeConfig flag = ServeConfig.resolve(Map.of(Setting.ADAPTERS, "a=/x"), Map.of("PEFTBENCH_ADAPTERS", "b=/y"));
        assertEquals(List.of(new NamedAdapter("a", "/x")), flag.adapters());
        assertEquals(List.of(), ServeConfig.resolve(NO_FLAGS, Map.of()).adapters());
    }

    @Test
    void badAdapterListsAreRefusedNamingTheSetting() {
        IllegalArgumentException pair = assertThrows(IllegalArgumentException.class,
                () -> ServeConfig.resolve(Map.of(Setting.ADAPTERS, "just-a-path"), Map.of()));
        assertEquals("--adapters must be NAME=DIR|HUB_ID pairs separated by ',', got 'just-a-path'", pair.getMessage());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> ServeConfig.resolve(NO_FLAGS, Map.of("PEFTBENCH_ADAPTERS", "a=/x,a=/y")));
        assertTrue(twice.getMessage().contains("names 'a' twice"), twice.getMessage());
        IllegalArgumentException model = assertThrows(IllegalArgumentException.class,
                () -> ServeConfig.resolve(Map.of(Setting.ADAPTERS, "peft-demo=/x"), Map.of()));
        assertTrue(model.getMessage().contains("the model's name"), model.getMessage());
        IllegalArgumentException many = assertThrows(IllegalArgumentException.class,
                () -> ServeConfig.resolve(Map.of(Setting.ADAPTERS, "a=/x,b=/y", Setting.MAX_MODELS, "2"), Map.of()));
        assertTrue(many.getMessage().contains("--max-models"), many.getMessage());
    }

    @Test
    void flagsWinOverEnvironment() {
        ServeConfig c = ServeConfig.resolve(Map.of(Setting.MODEL_NAME, "peft-demo",
                Setting.BASE_MODEL, "../sample-data/models/tiny-bloom", Setting.HTTP_PORT, "9000"), REFERENCE_ENV);
        assertEquals("peft-demo", c.modelName());
        assertEquals(9000, c.httpPort());
        assertEquals("../sample-data/models/tiny-bloom", c.model().baseModel());
        assertEquals("aipipeline/bloomz-560m_PROMPT_TUNING_CAUSAL_LM", c.model().adapter());
    }

    @Test
    void defaultsApplyWithNothingGiven() {
        ServeConfig c = ServeConfig.resolve(NO_FLAGS, Map.of());
        assertEquals(Setting.MODEL_NAME.defaultValue(), c.modelName());
        assertEquals(8002, c.httpPort());
        assertEquals(8001, c.grpcPort());
        assertTrue(c.loadModelsAtStartup());
        assertNull(c.model().baseModel());
        assertNull(c.modelsDir());
    }

    @Test
    void badEnvironmentValueNamesTheVariable() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ServeConfig.resolve(NO_FLAGS, Map.of("MLSERVER_HTTP_PORT", "eighty")));
        assertTrue(e.getMessage().contains("MLSERVER_HTTP_PORT"), e.getMessage());
    }

    @Test
    void portOutOfRangeNamesFlagAndVariable() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ServeConfig.resolve(Map.of(Setting.HTTP_PORT, "70000"), Map.of()));
        assertTrue(e.getMessage().contains("--http-port") && e.getMessage().contains("MLSERVER_HTTP_PORT"), e.getMessage());
    }

    @Test
    void sameHttpAndGrpcPortIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ServeConfig.resolve(NO_FLAGS,
                Map.of("MLSERVER_HTTP_PORT", "8001")));
    }

    @Test
    void loadAtStartupFalseIsHonoured() {
        assertFalse(ServeConfig.resolve(NO_FLAGS, Map.of("MLSERVER_LOAD_MODELS_AT_STARTUP", "false"))
                .loadModelsAtStartup());
    }

    @Test
    void dtypeBackendAndDeviceComeFromFlagsOverEnvironment() {
        ServeConfig c = ServeConfig.resolve(Map.of(Setting.DTYPE, "bfloat16"), Map.of("PRETRAINED_MODEL_PATH", "base",
                "PEFTBENCH_DTYPE", "float32", "PEFTBENCH_BACKEND", "djl", "PEFTBENCH_DEVICE", "gpu"));
        assertEquals(ComputeType.BFLOAT16, c.model().dtype());
        assertEquals(Backend.DJL, c.model().backend());
        assertEquals(Device.GPU, c.model().device());
        assertEquals(ComputeType.BFLOAT16, c.model().toSpec("m").dtype());
    }

    @Test
    void badDtypeGetsGeneratesMessageAndTheVariableIsNamed() {
        EngineException flag = assertThrows(EngineException.class,
                () -> ServeConfig.resolve(Map.of(Setting.DTYPE, "int4"), Map.of()));
        String generates = assertThrows(EngineException.class, () -> ComputeType.parse("int4")).getMessage();
        assertEquals(generates, flag.getMessage());
        RuntimeException env = assertThrows(RuntimeException.class,
                () -> ServeConfig.resolve(NO_FLAGS, Map.of("PEFTBENCH_BACKEND", "tpu")));
        assertTrue(env.getMessage().startsWith("PEFTBENCH_BACKEND: unknown backend 'tpu'"), env.getMessage());
    }

    @Test
    void int8ComesFromTheVariableLikeTheOtherTypes() {
        assertEquals(ComputeType.INT8, ServeConfig.resolve(NO_FLAGS, Map.of("PRETRAINED_MODEL_PATH", "base",
                "PEFTBENCH_DTYPE", "int8")).model().dtype());
    }

    @Test
    void prefillBudgetComesFromTheFlagThenTheVariableThenTheEngineDefault() {
        assertEquals(EngineOptions.DEFAULT_MAX_PREFILL_TOKENS, ServeConfig.resolve(NO_FLAGS, Map.of()).maxPrefillTokens());
        Map<String, String> env = Map.of("PEFTBENCH_MAX_PREFILL_TOKENS", "128");
        assertEquals(128, ServeConfig.resolve(NO_FLAGS, env).maxPrefillTokens());
        assertEquals(32, ServeConfig.resolve(Map.of(Setting.MAX_PREFILL_TOKENS, "32"), env).maxPrefillTokens());
        var e = assertThrows(IllegalArgumentException.class,
                () -> ServeConfig.resolve(NO_FLAGS, Map.of("PEFTBENCH_MAX_PREFILL_TOKENS", "0")));
        assertEquals("--max-prefill-tokens / PEFTBENCH_MAX_PREFILL_TOKENS must be >= 1, got 0", e.getMessage());
    }

    @Test
    void stepTargetComesFromTheFlagThenTheVariableThenTheEngineDefault() {
        assertEquals(EngineOptions.DEFAULT_STEP_TARGET_MS, ServeConfig.resolve(NO_FLAGS, Map.of()).stepTargetMs());
        Map<String, String> env = Map.of("PEFTBENCH_STEP_TARGET_MS", "250");
        assertEquals(250, ServeConfig.resolve(NO_FLAGS, env).stepTargetMs());
        assertEquals(0, ServeConfig.resolve(Map.of(Setting.STEP_TARGET_MS, "0"), env).stepTargetMs());
        var e = assertThrows(IllegalArgumentException.class,
                () -> ServeConfig.resolve(NO_FLAGS, Map.of("PEFTBENCH_STEP_TARGET_MS", "-5")));
        assertEquals("--step-target-ms / PEFTBENCH_STEP_TARGET_MS must be >= 0 (0 = off), got -5", e.getMessage());
    }

    @Test
    void prefixCacheSizeComesFromTheFlagThenTheVariableThenTheEngineDefault() {
        assertEquals(EngineOptions.DEFAULT_PREFIX_CACHE_BYTES, ServeConfig.resolve(NO_FLAGS, Map.of()).prefixCacheMib() << 20);
        Map<String, String> env = Map.of("PEFTBENCH_PREFIX_CACHE_MIB", "512");
        assertEquals(512, ServeConfig.resolve(NO_FLAGS, env).prefixCacheMib());
        assertEquals(0, ServeConfig.resolve(Map.of(Setting.PREFIX_CACHE_MIB, "0"), env).prefixCacheMib());
        var e = assertThrows(IllegalArgumentException.class,
                () -> ServeConfig.resolve(NO_FLAGS, Map.of("PEFTBENCH_PREFIX_CACHE_MIB", "-1")));
        assertEquals("PEFTBENCH_PREFIX_CACHE_MIB must be 0 (off) to 1048576, got '-1'", e.getMessage());
    }

    @Test
    void badFlagAndBadVariableNameWhereTheValueCameFrom() {
        assertEquals("--grpc-port must be an integer, got 'x'", assertThrows(IllegalArgumentException.class,
                () -> ServeConfig.resolve(Map.of(Setting.GRPC_PORT, "x"), Map.of())).getMessage());
        assertEquals("MLSERVER_GRPC_PORT must be an integer, got 'x'", assertThrows(IllegalArgumentException.class,
                () -> ServeConfig.resolve(NO_FLAGS, Map.of("MLSERVER_GRPC_PORT", "x"))).getMessage());
    }

    @Test
    void serveListensOnThisMachineOnlyUnlessToldOtherwise() {
        assertEquals(RuntimeContract.LOOPBACK, ServeConfig.resolve(NO_FLAGS, Map.of()).host());
        assertEquals("0.0.0.0", ServeConfig.resolve(NO_FLAGS, RuntimeContract.imageEnvironment(false, false)).host(),
                "the runtime image's environment keeps every interface");
        assertEquals("0.0.0.0", ServeConfig.resolve(Map.of(Setting.HOST, "0.0.0.0"), Map.of()).host());
    }

    @Test
    void aQueueThatHoldsNothingIsRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ServeConfig.resolve(Map.of(Setting.QUEUE_CAPACITY, "0"), Map.of()));
        assertTrue(e.getMessage().contains("--queue-capacity") && e.getMessage().contains(">= 1"), e.getMessage());
    }

    @Test
    void theApiKeyComesFromAFlagTheEnvironmentOrAFileAndNeverShows(@TempDir Path dir) throws Exception {
        assertFalse(ServeConfig.resolve(NO_FLAGS, Map.of()).access().keyRequired());
        ServeConfig fromEnv = ServeConfig.resolve(NO_FLAGS, Map.of("PEFTBENCH_API_KEY", "from-env-123-4567"));
        assertTrue(fromEnv.access().key().acceptsAuthorization("Bearer from-env-123-4567"));
        assertFalse(fromEnv.toString().contains("from-env-123-4567"), fromEnv.toString());
        Path file = Files.writeString(dir.resolve("key"), "from-secret-456-789\n");
        ServeConfig fromFile = ServeConfig.resolve(Map.of(Setting.API_KEY_FILE, file.toString()), Map.of());
        assertTrue(fromFile.access().key().acceptsAuthorization("Bearer from-secret-456-789"), "the file's newline is not part of the key");
        var both = assertThrows(IllegalArgumentException.class, () -> ServeConfig.resolve(
                Map.of(Setting.API_KEY, "a-key"), Map.of("PEFTBENCH_API_KEY_FILE", file.toString())));
        assertTrue(both.getMessage().contains("not both"), both.getMessage());
        var missing = assertThrows(IllegalArgumentException.class, () -> ServeConfig.resolve(
                Map.of(Setting.API_KEY_FILE, dir.resolve("nope").toString()), Map.of()));
        assertTrue(missing.getMessage().contains("--api-key-file"), missing.getMessage());
        assertTrue(ServeConfig.resolve(NO_FLAGS, Map.of("PEFTBENCH_API_KEY", "k-1-0123456789abcdef", "PEFTBENCH_PROTECT_PROBES", "true",
                "PEFTBENCH_TRUST_LOOPBACK", "true")).access().protectProbes());
    }

    @Test
    void repositorySettingsAreRead(@TempDir Path dir) {
        ServeConfig c = ServeConfig.resolve(Map.of(Setting.ALLOW_LOAD_FROM, dir.toString(), Setting.REPOSITORY_API, "false",
                Setting.ALLOW_HUB_IDS, "false", Setting.MAX_MODELS, "3"), Map.of());
        assertEquals(List.of(dir), c.loads().allowedRoots());
        assertFalse(c.loads().enabled());
        assertFalse(c.loads().hubIds());
        assertEquals(3, c.loads().maxModels());
        var e = assertThrows(IllegalArgumentException.class,
                () -> ServeConfig.resolve(Map.of(Setting.ALLOW_LOAD_FROM, dir.resolve("nope").toString()), Map.of()));
        assertTrue(e.getMessage().contains("--allow-load-from"), e.getMessage());
    }
}
