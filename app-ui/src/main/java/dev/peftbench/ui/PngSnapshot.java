package dev.peftbench.ui;

import javafx.embed.swing.SwingFXUtils;
import javafx.scene.image.Image;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.file.Path;

/** A snapshot of the window or part of it, written as PNG (the docs' screenshots, the Evaluate page's charts). */
public final class PngSnapshot {
    private PngSnapshot() {
    }

    public static void write(Image image, Path file) throws IOException {
        if (!ImageIO.write(SwingFXUtils.fromFXImage(image, null), "png", file.toFile())) {
            throw new IOException("no PNG writer for " + file);
        }
    }
}
