package dev.peftbench.engine.load;

import dev.peftbench.engine.EngineException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TorchBinFileTest {

    @TempDir
    Path dir;

    private static long openFiles() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void aDataPklThatInflatesPastTheCapIsRefusedAndTheFileClosed() throws Exception {
        Path bomb = dir.resolve("pytorch_model.bin");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(bomb))) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            byte[] zeros = new byte[1 << 20];
            OutputStream out = zip;
            for (long written = 0; written <= TorchBinFile.MAX_PICKLE_BYTES; written += zeros.length) {
                out.write(zeros);
            }
            zip.closeEntry();
        }
        assertTrue(Files.size(bomb) < 1 << 20, "a small file that inflates to over 64 MiB");
        long before = openFiles();
        for (int i = 0; i < 5; i++) {
            EngineException e = assertThrows(EngineException.class, () -> TorchBinFile.open(bomb));
            assertEquals(EngineException.Kind.LOAD_FAILED, e.kind());
            assertTrue(e.getMessage().contains("data.pkl") && e.getMessage().contains("not one"), e.getMessage());
        }
        assertEquals(before, openFiles(), "every refused archive was closed");
    }
}
