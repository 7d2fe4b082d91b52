package dev.peftbench.engine.train;

import dev.peftbench.engine.EngineException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Data files as users write them: spreadsheet CSV exports and JSON Lines, and every way they can be wrong. */
class DataFileTest {

    @TempDir
    Path tmp;

    private Path file(String name, String content) throws IOException {
        Path f = tmp.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    @Test
    void aFileLargerThanTheBoundIsRefusedBeforeItIsRead() throws Exception {
        Path big = tmp.resolve("huge.csv");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(DataFile.MAX_BYTES + 1); // sparse: no disk, and unreadable as CSV were it read
        }
        EngineException e = assertThrows(EngineException.class, () -> DataFile.read(big));
        assertTrue(e.getMessage().contains("more than the 512 MiB a data file may be"), e.getMessage());
    }

    @Test
    void csvWithQuotedCommasNewlinesQuotesAndAByteOrderMarkReadsAsPandasWould() throws IOException {
        DataFile d = DataFile.read(file("tweets.csv", "\uFEFFTweet text,text_label,ID\n"
                + "\"@railco late again, third time\",complaint,1\n"
                + "\"line one\nline two\",no complaint,2\n"
                + "\n"
                + "\"she said \"\"hi\"\"\",no complaint\n"));
        assertEquals(DataFile.Format.CSV, d.format());
        assertEquals(List.of("Tweet text", "text_label", "ID"), d.columns());
        assertEquals(3, d.rows().size());
        List<Example> examples = d.examples("Tweet text", "text_label");
        assertEquals("@railco late again, third time", examples.get(0).text());
        assertEquals("line one\nline two", examples.get(1).text());
        assertEquals("she said \"hi\"", examples.get(2).text());
        assertEquals(3, examples.get(2).row());
        assertNull(d.rows().get(2).get("ID"), "a short row's missing value");
    }

    @Test
    void jsonLinesTakesTextNumbersAndBooleansAsPythonPrintsThem() throws IOException {
        DataFile d = DataFile.read(file("rows.jsonl", "{\"text\": \"héllo\", \"label\": 1}\n\n{\"text\": \"bye\", \"label\": true, \"extra\": 2.5}\n"));
        assertEquals(List.of("text", "label", "extra"), d.columns());
        List<Example> examples = d.examples("text", "label");
        assertEquals("héllo", examples.get(0).text());
        assertEquals("1", examples.get(0).label());
        assertEquals("True", examples.get(1).label());
        assertNull(d.rows().get(0).get("extra"));
    }

    @Test
    void everyMistakeIsNamedWithWhereItIs() throws IOException {
        record Case(String name, String content, String expected) {
        }
        for (Case c : List.of(
                new Case("notes.txt", "a,b\n1,2\n", "is neither CSV (.csv, with a header row) nor JSON Lines (.jsonl"),
                new Case("empty.csv", "", "is empty (a CSV file needs a header row"),
                new Case("header.csv", "text,label\n", "has no rows"),
                new Case("ragged.csv", "text,label\nhello,complaint\na,b,c\n", "row 2 has 3 values but the header names 2 columns"),
                new Case("twice.csv", "text,text\na,b\n", "the header names column 'text' twice"),
                new Case("broken.jsonl", "{\"text\": \"a\"}\n{\"text\": \n", "line 2 is not JSON"),
                new Case("list.jsonl", "[1, 2]\n", "line 1 is not a JSON object"),
                new Case("nested.jsonl", "{\"text\": {\"a\": 1}}\n", "line 1, column 'text' holds a JSON object"))) {
            EngineException e = assertThrows(EngineException.class, () -> DataFile.read(file(c.name(), c.content())), c.name());
            assertTrue(e.getMessage().contains(c.expected()), c.name() + ": " + e.getMessage());
            assertEquals(EngineException.Kind.INVALID_INPUT, e.kind());
        }
        EngineException missing = assertThrows(EngineException.class, () -> DataFile.read(tmp.resolve("nothing.csv")));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        Files.write(tmp.resolve("latin1.csv"), new byte[] {'t', ',', 'l', '\n', (byte) 0xE9, ',', 'x', '\n'});
        EngineException latin1 = assertThrows(EngineException.class, () -> DataFile.read(tmp.resolve("latin1.csv")));
        assertTrue(latin1.getMessage().contains("is not UTF-8 text"), latin1.getMessage());
    }

    @Test
    void missingColumnsListTheFileColumnsAndEmptyLabelsTheirRows() throws IOException {
        StringBuilder csv = new StringBuilder("Tweet text,text_label\n");
        for (int i = 1; i <= 14; i++) {
            csv.append("tweet ").append(i).append(',').append(i % 2 == 0 ? "" : "complaint").append('\n');
        }
        DataFile d = DataFile.read(file("labels.csv", csv.toString()));
        EngineException column = assertThrows(EngineException.class, () -> d.examples("text", "text_label"));
        assertTrue(column.getMessage().contains("has no column 'text'; its columns: 'Tweet text', 'text_label'"), column.getMessage());
        EngineException labels = assertThrows(EngineException.class, () -> d.examples("Tweet text", "text_label"));
        assertTrue(labels.getMessage().contains("7 rows have an empty 'text_label' label: rows 2, 4, 6, 8, 10, 12, 14"),
                labels.getMessage());
    }
}
