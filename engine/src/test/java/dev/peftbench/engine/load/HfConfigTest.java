package dev.peftbench.engine.load;

import dev.peftbench.engine.EngineException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HfConfigTest {

    @TempDir
    Path dir;

    @Test
    void aConfigNestedTooDeepIsALoadFailureThatSaysSo() throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}");
        EngineException e = assertThrows(EngineException.class, () -> HfConfig.read(dir));
        assertEquals(EngineException.Kind.LOAD_FAILED, e.kind());
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("nesting depth"), e.getMessage());
    }

    @Test
    void aConfigThatIsNoJsonNamesWhere() throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\n\"a\": nope}");
        EngineException e = assertThrows(EngineException.class, () -> HfConfig.read(dir));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }
}
