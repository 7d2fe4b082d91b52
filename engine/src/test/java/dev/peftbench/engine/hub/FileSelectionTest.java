package dev.peftbench.engine.hub;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.InputField;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileSelectionTest {

    private static final RepoId REPO = new RepoId("org/model");

    private static List<String> forLoad(String... files) {
        return FileSelection.FOR_LOAD.select(REPO, "main", List.of(files));
    }

    @Test
    void aLoadTakesConfigTokenizerAndOneWeightFormatPreferringSafetensors() {
        assertEquals(List.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors"),
                forLoad(".gitattributes", "README.md", "config.json", "generation_config.json", "model.safetensors", "pytorch_model.bin",
                        "tf_model.h5", "flax_model.msgpack", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"));
        assertEquals(List.of("config.json", "pytorch_model.bin"), forLoad("config.json", "pytorch_model.bin", "tf_model.h5"));
        assertEquals(List.of("config.json", "model.safetensors.index.json"),
                forLoad("config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors", "pytorch_model.bin"));
        assertEquals(List.of("adapter_config.json", "adapter_model.safetensors"),
                forLoad("adapter_config.json", "adapter_model.bin", "adapter_model.safetensors", "README.md"));
    }

    @Test
    void aRepositoryWithoutConfigIsNoModel() {
        EngineException e = assertThrows(EngineException.class, () -> forLoad("README.md", "data.csv"));
        assertTrue(e.getMessage().contains("config.json") && e.fields().equals(List.of(InputField.INCLUDE)), e.getMessage());
    }

    @Test
    void globsMatchAsPythonsFnmatch() {
        assertTrue(FileSelection.fnmatch("*.json").matcher("sub/dir/x.json").matches(), "* crosses /");
        assertTrue(FileSelection.fnmatch("model-?????-of-*.safetensors").matcher("model-00001-of-00002.safetensors").matches());
        assertTrue(FileSelection.fnmatch("onnx/").matcher("onnx/model.onnx").matches());
        assertTrue(FileSelection.fnmatch("[!a]*.txt").matcher("merges.txt").matches());
        assertFalse(FileSelection.fnmatch("[!m]*.txt").matcher("merges.txt").matches());
        assertFalse(FileSelection.fnmatch("config.json").matcher("configXjson").matches(), ". is literal");
        assertEquals(List.of("a.bin", "b/c.bin"), new FileSelection(List.of("*.bin")).select(REPO, "main", List.of("a.bin", "b/c.bin", "d.txt")));
    }
}
