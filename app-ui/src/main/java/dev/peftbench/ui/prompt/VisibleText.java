package dev.peftbench.ui.prompt;

/**
 * Output text with control characters shown as their Unicode control pictures (U+2400…): JavaFX text
 * controls silently drop them, and the output must show every character the model produced.
 */
final class VisibleText {
    private VisibleText() {
    }

    static String of(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 && c != '\n' && c != '\t') {
                out.append((char) (0x2400 + c));
            } else if (c == 0x7f) {
                out.append('\u2421');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
