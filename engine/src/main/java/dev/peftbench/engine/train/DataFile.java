package dev.peftbench.engine.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import dev.peftbench.engine.EngineException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A labelled data file as tuning reads it: a CSV file with a header row (RFC 4180 quoting, as pandas and
 * {@code datasets} read it) or JSON Lines (one object per line, as {@code datasets}' json loader reads
 * {@code .jsonl}), with its columns and its rows as text. Values are text as Python's {@code str(x)}
 * prints them (numbers as written, booleans {@code True} / {@code False}); a missing value is null.
 *
 * @param rows in file order, each column name mapped to its value or null
 */
public record DataFile(Path path, Format format, List<String> columns, List<Map<String, String>> rows) {

    /** The formats a data file may have, known by its extension. */
    public enum Format { CSV, JSONL }

    /** How many rows a message lists by number before it says "and N more". */
    private static final int LISTED = 10;
    /**
     * The largest data file read: every row is held in memory as a map (several times the file's bytes), and tuning or
     * evaluating more text than this on one machine's engine is not a run anyone waits for; checked before a byte is read.
     */
    public static final long MAX_BYTES = 512L << 20;

    public DataFile {
        columns = List.copyOf(columns);
        rows = Collections.unmodifiableList(rows);
    }

    /**
     * Reads {@code path}.
     *
     * @throws EngineException INVALID_INPUT naming the problem: no such file, not .csv/.jsonl, not UTF-8,
     *                         a line that does not parse, a row with more values than the header, no rows, more than
 *                         {@link #MAX_BYTES}
     */
    public static DataFile read(Path path) {
        Format format = formatOf(path);
        if (!Files.isRegularFile(path)) {
            throw EngineException.invalid("data file " + path + " does not exist");
        }
        try {
            long bytes = Files.size(path);
            if (bytes > MAX_BYTES) {
                throw EngineException.invalid("data file " + path + " is " + (bytes >> 20) + " MiB, more than the "
                        + (MAX_BYTES >> 20) + " MiB a data file may be: take a sample of its rows");
            }
            DataFile file = format == Format.CSV ? csv(path) : jsonLines(path);
            if (file.rows.isEmpty()) {
                throw EngineException.invalid("data file " + path + " has no rows");
            }
            return file;
        } catch (CharacterCodingException e) {
            throw EngineException.invalid("data file " + path + " is not UTF-8 text");
        } catch (NoSuchFileException e) {
            throw EngineException.invalid("data file " + path + " does not exist");
        } catch (IOException e) {
            throw EngineException.invalid("data file " + path + " cannot be read: " + e.getMessage());
        }
    }

    private static Format formatOf(Path path) {
        String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return Format.CSV;
        }
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            return Format.JSONL;
        }
        throw EngineException.invalid("data file " + path + " is neither CSV (.csv, with a header row) nor JSON Lines "
                + "(.jsonl, one object per line)");
    }

    private static Reader utf8(Path path) throws IOException {
        return new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(path),
                StandardCharsets.UTF_8.newDecoder()));
    }

    private static DataFile csv(Path path) throws IOException {
        CsvMapper mapper = new CsvMapper();
        mapper.enable(CsvParser.Feature.WRAP_AS_ARRAY);
        mapper.enable(CsvParser.Feature.SKIP_EMPTY_LINES);
        List<String> header = null;
        List<Map<String, String>> rows = new ArrayList<>();
        try (Reader reader = utf8(path);
             MappingIterator<String[]> lines = mapper.readerFor(String[].class).readValues(reader)) {
            while (lines.hasNext()) {
                String[] values = lines.next();
                if (header == null) {
                    header = header(path, values);
                    continue;
                }
                if (values.length > header.size()) {
                    throw EngineException.invalid("data file " + path + ": row " + (rows.size() + 1) + " has " + values.length
                            + " values but the header names " + header.size() + " columns (quote values that contain commas)");
                }
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < header.size(); i++) {
                    row.put(header.get(i), i < values.length ? values[i] : null);
                }
                rows.add(row);
            }
        } catch (RuntimeException e) {
            if (e instanceof EngineException ee) {
                throw ee;
            }
            throw EngineException.invalid("data file " + path + " is not valid CSV: " + firstLine(e.getMessage()));
        }
        if (header == null) {
            throw EngineException.invalid("data file " + path + " is empty (a CSV file needs a header row naming its columns)");
        }
        return new DataFile(path, Format.CSV, header, rows);
    }

    private static List<String> header(Path path, String[] values) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            // A byte order mark, as spreadsheet programs write it, is not part of the first name.
            String name = i == 0 && values[i].startsWith("\uFEFF") ? values[i].substring(1) : values[i];
            if (names.contains(name)) {
                throw EngineException.invalid("data file " + path + ": the header names column '" + name + "' twice");
            }
            names.add(name);
        }
        return names;
    }

    private static DataFile jsonLines(Path path) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        Set<String> columns = new LinkedHashSet<>();
        List<Map<String, String>> rows = new ArrayList<>();
        List<String> lines;
        try (BufferedReader reader = new BufferedReader(utf8(path))) {
            lines = reader.lines().toList();
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = mapper.readTree(line);
            } catch (JsonProcessingException e) {
                throw EngineException.invalid("data file " + path + ": line " + (i + 1) + " is not JSON: " + e.getOriginalMessage());
            }
            if (node == null || !node.isObject()) {
                throw EngineException.invalid("data file " + path + ": line " + (i + 1) + " is not a JSON object");
            }
            Map<String, String> row = new HashMap<>();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                columns.add(field.getKey());
                row.put(field.getKey(), text(field.getValue(), path, i + 1, field.getKey()));
            }
            rows.add(row);
        }
        List<Map<String, String>> complete = new ArrayList<>(rows.size());
        for (Map<String, String> row : rows) {
            Map<String, String> ordered = new LinkedHashMap<>();
            columns.forEach(c -> ordered.put(c, row.get(c)));
            complete.add(ordered);
        }
        return new DataFile(path, Format.JSONL, List.copyOf(columns), complete);
    }

    /** A JSON value as Python's {@code str(value)} prints it; objects and lists are refused. */
    private static String text(JsonNode value, Path path, int line, String column) {
        if (value.isNull()) {
            return null;
        }
        if (value.isBoolean()) {
            return value.booleanValue() ? "True" : "False";
        }
        if (value.isValueNode()) {
            return value.asText();
        }
        throw EngineException.invalid("data file " + path + ": line " + line + ", column '" + column
                + "' holds a JSON " + (value.isArray() ? "list" : "object") + "; values must be text or numbers");
    }

    /**
     * The rows as examples of {@code textColumn} and {@code labelColumn}, in file order.
     *
     * @throws EngineException INVALID_INPUT when a column is missing (the file's columns are listed), or rows
     *                         have no text or an empty label (their row numbers, 1 = the first row after a header)
     */
    public List<Example> examples(String textColumn, String labelColumn) {
        column(textColumn);
        column(labelColumn);
        List<Integer> noText = new ArrayList<>();
        List<Integer> noLabel = new ArrayList<>();
        List<Example> examples = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            String text = rows.get(i).get(textColumn);
            String label = rows.get(i).get(labelColumn);
            if (text == null) {
                noText.add(i + 1);
            }
            if (label == null || label.isBlank()) {
                noLabel.add(i + 1);
            }
            examples.add(new Example(i + 1, text == null ? "" : text, label == null ? "" : label));
        }
        if (!noLabel.isEmpty()) {
            throw EngineException.invalid("data file " + path + ": " + count(noLabel, "row") + " an empty '" + labelColumn
                    + "' label: " + listed(noLabel) + "; every row needs a label to learn");
        }
        if (!noText.isEmpty()) {
            throw EngineException.invalid("data file " + path + ": " + count(noText, "row") + " no '" + textColumn
                    + "' value: " + listed(noText));
        }
        return List.copyOf(examples);
    }

    /**
     * The values of {@code column}, in file order (null where a row has none).
     *
     * @throws EngineException INVALID_INPUT when the file has no such column (its columns are listed)
     */
    public List<String> column(String column) {
        if (!columns.contains(column)) {
            throw EngineException.invalid("data file " + path + " has no column '" + column + "'; its columns: "
                    + columns.stream().map(c -> "'" + c + "'").collect(Collectors.joining(", ")));
        }
        List<String> values = new ArrayList<>(rows.size());
        rows.forEach(row -> values.add(row.get(column)));
        return Collections.unmodifiableList(values);
    }

    /** "1 row has" / "3 rows have". */
    static String count(List<Integer> rows, String noun) {
        return rows.size() == 1 ? "1 " + noun + " has" : rows.size() + " " + noun + "s have";
    }

    /** "rows 3, 7, 9" with at most {@value #LISTED} numbers. */
    static String listed(List<Integer> rows) {
        String numbers = rows.stream().limit(LISTED).map(String::valueOf).collect(Collectors.joining(", "));
        return (rows.size() == 1 ? "row " : "rows ") + numbers + (rows.size() > LISTED ? " and " + (rows.size() - LISTED) + " more" : "");
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }
}
