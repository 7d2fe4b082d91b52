package dev.peftbench.serve;

import dev.peftbench.engine.EngineOptions;
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

    private static ServeConfig.Flags flags(String name, String model, Integer httpPort) {
        return new ServeConfig.Flags(name, model, null, null, null, null, httpPort, null, null, null, null, null,
                null, null, null, null, null);
    }

    @Test
    void referenceRuntimeEnvironmentIsReadUnchanged() {
        ServeConfig c = ServeConfig.resolve(ServeConfig.Flags.NONE, REFERENCE_ENV);
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
        ServeConfig c = ServeConfig.resolve(flags("peft-demo", "../sample-data/models/tiny-bloom", 9000), REFERENCE_ENV);
        assertEquals("peft-demo", c.modelName());
        assertEquals(9000, c.httpPort());
        assertEquals("../sample-data/models/tiny-bloom", c.model().baseModel());
        assertEquals("aipipeline/bloomz-560m_PROMPT_TUNING_CAUSAL_LM", c.model().adapter());
    }

    @Test
    void defaultsApplyWithNothingGiven() {
        ServeConfig c = ServeConfig.resolve(ServeConfig.Flags.NONE, Map.of());
        assertEquals(ServeConfig.DEFAULT_MODEL_NAME, c.modelName());
        assertEquals(8002, c.httpPort());
        assertEquals(8001, c.grpcPort());
        assertTrue(c.loadModelsAtStartup());
        assertNull(c.model().baseModel());
        assertNull(c.modelsDir());
    }

    @Test
    void badEnvironmentValueNamesTheVariable() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ServeConfig.resolve(ServeConfig.Flags.NONE, Map.of("MLSERVER_HTTP_PORT", "eighty")));
        assertTrue(e.getMessage().contains("MLSERVER_HTTP_PORT"), e.getMessage());
    }

    @Test
    void portOutOfRangeNamesFlagAndVariable() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ServeConfig.resolve(flags(null, null, 70000), Map.of()));
        assertTrue(e.getMessage().contains("--http-port") && e.getMessage().contains("MLSERVER_HTTP_PORT"), e.getMessage());
    }

    @Test
    void sameHttpAndGrpcPortIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ServeConfig.resolve(ServeConfig.Flags.NONE,
                Map.of("MLSERVER_HTTP_PORT", "8001")));
    }

    @Test
    void prefillBudgetComesFromTheFlagThenTheEnvironmentThenTheEngineDefault() {
        assertEquals(EngineOptions.DEFAULT_MAX_PREFILL_TOKENS, ServeConfig.resolve(ServeConfig.Flags.NONE, Map.of()).maxPrefillTokens());
        Map<String, String> env = Map.of("PEFTBENCH_MAX_PREFILL_TOKENS", "128");
        assertEquals(128, ServeConfig.resolve(ServeConfig.Flags.NONE, env).maxPrefillTokens());
        ServeConfig.Flags flag = new ServeConfig.Flags(null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, 32);
        assertEquals(32, ServeConfig.resolve(flag, env).maxPrefillTokens());
        var e = assertThrows(IllegalArgumentException.class,
                () -> ServeConfig.resolve(ServeConfig.Flags.NONE, Map.of("PEFTBENCH_MAX_PREFILL_TOKENS", "0")));
        assertTrue(e.getMessage().contains("--max-prefill-tokens") && e.getMessage().contains("PEFTBENCH_MAX_PREFILL_TOKENS"),
                e.getMessage());
    }

    @Test
    void loadAtStartupFalseIsHonoured() {
        assertFalse(ServeConfig.resolve(ServeConfig.Flags.NONE, Map.of("MLSERVER_LOAD_MODELS_AT_STARTUP", "false"))
                .loadModelsAtStartup());
    }
}
