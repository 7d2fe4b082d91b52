package dev.peftbench.engine.load;

import dev.peftbench.engine.EngineException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The .bin reader reads data and never runs code: any other pickled callable ends the read. */
class TorchPickleReaderTest {

    /** {@code os.system("echo pwned")}, the classic malicious pickle (protocol 2). */
    private static byte[] osSystemPickle() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x80);
        out.write(2);
        out.writeBytes("cposix\nsystem\n".getBytes(StandardCharsets.US_ASCII));
        out.write('X');
        byte[] arg = "echo pwned".getBytes(StandardCharsets.UTF_8);
        out.writeBytes(new byte[] {(byte) arg.length, 0, 0, 0});
        out.writeBytes(arg);
        out.write(0x85);
        out.write('R');
        out.write('.');
        return out.toByteArray();
    }

    @Test
    void refusesAnyGlobalOutsideTheTensorAllowlist() {
        EngineException e = assertThrows(EngineException.class, () -> TorchPickleReader.read("evil.bin", osSystemPickle()));
        assertTrue(e.getMessage().contains("posix.system"), e.getMessage());
        assertTrue(e.getMessage().contains("nothing is executed"), e.getMessage());
    }

    @Test
    void refusesATruncatedPickle() {
        byte[] pickle = osSystemPickle();
        byte[] cut = java.util.Arrays.copyOf(pickle, 3);
        EngineException e = assertThrows(EngineException.class, () -> TorchPickleReader.read("cut.bin", cut));
        assertTrue(e.getMessage().contains("cut.bin"), e.getMessage());
    }
}
