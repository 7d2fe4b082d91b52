package dev.peftbench.ui.evaluate;

import dev.peftbench.engine.eval.ClassificationMetrics;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;

import java.util.List;
import java.util.Locale;

/**
 * One adapter's confusion matrix as a heat map: rows the true labels, columns the predicted ones (with
 * {@value ClassificationMetrics#OTHER} in generate mode), the count in each cell, shaded by its share of the true
 * label's rows (so a row's diagonal cell is dark where the label is recognised).
 */
final class ConfusionHeatMap {
    private ConfusionHeatMap() {
    }

    static VBox of(String title, ClassificationMetrics metrics) {
        GridPane grid = new GridPane();
        grid.getStyleClass().add("heat-map");
        grid.add(header("true \\ predicted"), 0, 0);
        List<String> columns = metrics.columns();
        for (int c = 0; c < columns.size(); c++) {
            grid.add(header(columns.get(c)), c + 1, 0);
        }
        int[][] confusion = metrics.confusion();
        for (int r = 0; r < confusion.length; r++) {
            grid.add(header(metrics.labels().get(r)), 0, r + 1);
            int support = 0;
            for (int n : confusion[r]) {
                support += n;
            }
            for (int c = 0; c < confusion[r].length; c++) {
                Label cell = new Label(Integer.toString(confusion[r][c]));
                cell.getStyleClass().add("heat-cell");
                cell.setId("cell-" + r + "-" + c);
                double share = support == 0 ? 0 : (double) confusion[r][c] / support;
                Color fill = Color.WHITE.interpolate(Color.web(c == r ? "#15803d" : "#b91c1c"), share);
                cell.setStyle(String.format(Locale.ROOT, "-fx-background-color: #%02x%02x%02x; -fx-text-fill: %s;",
                        Math.round(fill.getRed() * 255), Math.round(fill.getGreen() * 255), Math.round(fill.getBlue() * 255),
                        share > 0.55 ? "white" : "black"));
                cell.setAlignment(Pos.CENTER);
                grid.add(cell, c + 1, r + 1);
            }
        }
        Label heading = new Label(title);
        heading.getStyleClass().add("section");
        // A long folder name ends in an ellipsis rather than widening the map; the tooltip has all of it.
        heading.setMaxWidth(290);
        heading.setTooltip(new Tooltip(title));
        VBox box = new VBox(4, heading, grid);
        box.getStyleClass().add("heat-map-box");
        return box;
    }

    private static Label header(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("heat-header");
        return l;
    }
}
