package dev.peftbench.serve.generate;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SseWriterTest {

    @Test
    void eachEventIsADataLineAndABlankLine() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SseWriter sse = new SseWriter(out);
        sse.event("{\"text_output\":\"a\"}");
        sse.event("[DONE]");
        assertEquals("data: {\"text_output\":\"a\"}\n\ndata: [DONE]\n\n", out.toString(UTF_8));
    }

    @Test
    void multiLinePayloadBecomesSeveralDataLines() {
        assertEquals("data: a\ndata: b\n\n", SseWriter.frame("a\nb"));
    }
}
