package dev.peftbench.serve;

import dev.peftbench.engine.Backend;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.EngineException;
import dev.peftbench.serve.RuntimeContract.Setting;
import org.junit.jupiter.api.Test;

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

    private static final Map<Setting, String> NO_FLAGS = Map.of();

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
        assertEquals(RuntimeContract.DEFAULT_MODEL_NAME, c.modelName());
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
    void badFlagAndBadVariableNameWhereTheValueCameFrom() {
        assertEquals("--grpc-port must be an integer, got 'x'", assertThrows(IllegalArgumentException.class,
                () -> ServeConfig.resolve(Map.of(Setting.GRPC_PORT, "x"), Map.of())).getMessage());
        assertEquals("MLSERVER_GRPC_PORT must be an integer, got 'x'", assertThrows(IllegalArgumentException.class,
                () -> ServeConfig.resolve(NO_FLAGS, Map.of("MLSERVER_GRPC_PORT", "x"))).getMessage());
    }
}
