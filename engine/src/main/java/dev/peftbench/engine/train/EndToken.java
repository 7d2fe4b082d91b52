package dev.peftbench.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.InputField;
import dev.peftbench.engine.chat.ChatTemplateFiles;
import dev.peftbench.engine.tokenize.TextEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The id that ends every label, one rule for tuning and for label scoring: the id asked for, else the one the adapter
 * was trained with ({@code data.end_token_id} of its {@value TrainingRecord#FILE}), else the tokenizer's eos token,
 * what peft's example appends ({@code tokenizer.eos_token_id}; BLOOM's generation default, id 3, is not it).
 */
public final class EndToken {

    private static final Logger LOG = LoggerFactory.getLogger(EndToken.class);

    private EndToken() {
    }

    /**
     * @param requested   the id asked for, or null
     * @param trainedWith the adapter's ({@link #trainedWith}), or null
     * @param vocab       the model's ids: an id past them is refused
     * @throws EngineException INVALID_INPUT for an id outside the vocabulary, or when the tokenizer names no eos token
     *                         of one token and none was asked for
     */
    public static int resolve(Integer requested, Integer trainedWith, Path modelDir, TextEncoder tokenizer, int vocab) {
        Integer chosen = requested != null ? requested : trainedWith;
        if (chosen != null) {
            if (chosen < 0 || chosen >= vocab) {
                throw EngineException.invalid("{0} " + chosen + " is outside the model's " + vocab + " ids"
                        + (requested == null ? " (the adapter's " + TrainingRecord.FILE + " names it)" : ""), InputField.EOS_TOKEN_ID);
            }
            return chosen;
        }
        Object eos = ChatTemplateFiles.specialTokens(modelDir).get("eos_token");
        if (!(eos instanceof String text)) {
            throw EngineException.invalid("the tokenizer names no eos token to end the labels with; set {0}", InputField.EOS_TOKEN_ID);
        }
        int[] ids = tokenizer.encode(text, false);
        if (ids.length != 1) {
            throw EngineException.invalid("the tokenizer's eos token '" + text + "' is not one token; set {0}", InputField.EOS_TOKEN_ID);
        }
        return ids[0];
    }

    /**
     * The end id {@code adapterDir}'s {@value TrainingRecord#FILE} says the adapter was trained with; null when it has no
     * record (an adapter from elsewhere) or the record names none. An unreadable record is logged and counts as none.
     */
    public static Integer trainedWith(Path adapterDir) {
        Path file = adapterDir.resolve(TrainingRecord.FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode id = new ObjectMapper().readTree(file.toFile()).path("data").path("end_token_id");
            return id.canConvertToInt() ? id.intValue() : null;
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}; labels end with the tokenizer's eos token", file, e.getMessage());
            return null;
        }
    }
}
