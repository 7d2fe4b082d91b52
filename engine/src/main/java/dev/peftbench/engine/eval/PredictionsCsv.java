package dev.peftbench.engine.eval;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;

/**
 * Every row of evaluation reports as CSV (RFC 4180 quoting, a header row), one line per adapter and row, skipped rows
 * included with their reason: {@code adapter,row,text,label,predicted,correct,skipped}, then in score mode
 * {@code logprob:LABEL} and {@code probability:LABEL} for every label. Numbers as Java prints doubles (shortest
 * round-trip form); the base model's adapter column is {@code none}.
 */
public final class PredictionsCsv {

    private PredictionsCsv() {
    }

    public static void write(Writer out, EvalMode mode, LabelSet labels, List<EvalReport> reports) throws IOException {
        List<String> header = new ArrayList<>(List.of("adapter", "row", "text", "label", "predicted", "correct", "skipped"));
        boolean scores = mode == EvalMode.SCORE;
        if (scores) {
            labels.labels().forEach(l -> header.add("logprob:" + l));
            labels.labels().forEach(l -> header.add("probability:" + l));
        }
        CsvMapper mapper = new CsvMapper();
        // the caller's writer stays open
        mapper.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
        try (SequenceWriter lines = mapper.writer(CsvSchema.emptySchema()).writeValues(out)) {
            lines.write(header.toArray(String[]::new));
            for (EvalReport report : reports) {
                for (RowOutcome o : report.rows()) {
                    List<String> line = new ArrayList<>(header.size());
                    line.add(report.adapter() == null ? "none" : report.adapter());
                    line.add(Integer.toString(o.row()));
                    line.add(o.text() == null ? "" : o.text());
                    line.add(o.label() == null ? "" : o.label());
                    line.add(o.evaluated() ? o.predicted() : "");
                    line.add(o.evaluated() ? Boolean.toString(o.correct()) : "");
                    line.add(o.evaluated() ? "" : o.skipped());
                    if (scores) {
                        double[] lp = o.scored() ? o.logProbabilities() : null;
                        double[] p = o.scored() ? o.probabilities() : null;
                        for (int k = 0; k < labels.size(); k++) {
                            line.add(lp == null ? "" : Double.toString(lp[k]));
                        }
                        for (int k = 0; k < labels.size(); k++) {
                            line.add(p == null ? "" : Double.toString(p[k]));
                        }
                    }
                    lines.write(line.toArray(String[]::new));
                }
            }
        }
    }
}
