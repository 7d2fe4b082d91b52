package dev.peftbench.ui.prompt;

import dev.peftbench.engine.TokenLogprob;
import dev.peftbench.engine.TokenLogprobs;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.paint.Color;
import javafx.scene.text.TextFlow;
import javafx.util.Duration;

import java.util.Locale;

/**
 * Shows an answer token by token in a {@link TextFlow}: one label per generated token, its background shaded by the
 * token's probability (red for unlikely through yellow to green for near-certain), and a tooltip with the probability
 * and the most likely alternatives at that position. Follows the token list as it streams.
 */
final class TokenShading {
    private TokenShading() {
    }

    /** Keeps {@code flow} showing {@code tokens}, one node per token, in order. */
    static void follow(ObservableList<TokenLogprobs> tokens, TextFlow flow) {
        flow.getChildren().setAll(tokens.stream().map(TokenShading::node).toList());
        tokens.addListener((ListChangeListener<TokenLogprobs>) c -> {
            while (c.next()) {
                if (c.wasRemoved()) {
                    flow.getChildren().setAll(tokens.stream().map(TokenShading::node).toList());
                    return;
                }
                if (c.wasAdded()) {
                    c.getAddedSubList().forEach(t -> flow.getChildren().add(node(t)));
                }
            }
        });
    }

    static Label node(TokenLogprobs token) {
        double p = probability(token.logprob());
        // A token that adds no text (an end token, half of a character) shows its own name, so every token has a place.
        boolean silent = token.text().isEmpty();
        Label label = new Label(silent ? token.token() : shown(token.text()));
        label.getStyleClass().add(silent ? "token-silent" : "token");
        label.setStyle("-fx-background-color: " + web(colour(p)) + ";");
        Tooltip tip = new Tooltip(describe(token));
        tip.setShowDelay(Duration.millis(150));
        tip.getStyleClass().add("token-tooltip");
        label.setTooltip(tip);
        return label;
    }

    /** What the tooltip says: the token's probability and log-probability, then the top alternatives with theirs. */
    static String describe(TokenLogprobs token) {
        StringBuilder text = new StringBuilder();
        text.append(quoted(token.token())).append("  p = ").append(percent(probability(token.logprob())))
                .append("  (log-prob ").append(token.logprob() == null ? "n/a" : String.format(Locale.ROOT, "%.4f", token.logprob()))
                .append(')');
        if (!token.top().isEmpty()) {
            text.append("\nMost likely here:");
            for (TokenLogprob alternative : token.top()) {
                text.append("\n  ").append(alternative.id() == token.id() ? "▸ " : "  ").append(quoted(alternative.token()))
                        .append("  ").append(percent(Math.exp(alternative.logprob())));
            }
        }
        return text.toString();
    }

    private static double probability(Double logprob) {
        return logprob == null ? Double.NaN : Math.exp(logprob);
    }

    static String percent(double p) {
        return Double.isNaN(p) ? "n/a" : String.format(Locale.ROOT, "%.2f%%", 100 * p);
    }

    private static String quoted(String token) {
        return "'" + shown(token) + "'";
    }

    /** Control characters and line breaks visible, so a newline token is a mark in the line, not a break. */
    private static String shown(String text) {
        return VisibleText.of(text).replace("\n", "⏎").replace("\t", "⇥");
    }

    /** Hue 0 (red) at p = 0 to 120 (green) at p = 1, pale enough for dark text. */
    static Color colour(double p) {
        double clamped = Double.isNaN(p) ? 0 : Math.max(0, Math.min(1, p));
        return Color.hsb(120 * clamped, 0.45, 1.0);
    }

    private static String web(Color c) {
        return String.format(Locale.ROOT, "#%02x%02x%02x", Math.round(c.getRed() * 255), Math.round(c.getGreen() * 255),
                Math.round(c.getBlue() * 255));
    }
}
