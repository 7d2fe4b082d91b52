package dev.peftbench.engine.load;

import dev.peftbench.engine.EngineException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
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

    private static EngineException refused(int... bytes) {
        byte[] pickle = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            pickle[i] = (byte) bytes[i];
        }
        return assertThrows(EngineException.class, () -> TorchPickleReader.read("bad.bin", pickle));
    }

    private static void assertClear(EngineException e) {
        assertTrue(e.getMessage().startsWith("bad.bin is not a readable torch state dict: "), e.getMessage());
        assertFalse(e.getMessage().matches(".*(Exception|java\\.).*"), e.getMessage());
    }

    @Test
    void aNegativeLengthIsRefusedBeforeAnythingIsAllocated() {
        EngineException e = refused(0x80, 2, 'X', 0xF6, 0xFF, 0xFF, 0xFF, '.');
        assertClear(e);
        assertTrue(e.getMessage().contains("announces"), e.getMessage());
    }

    @Test
    void aLengthOfTwoToTheFortyIsRefused() {
        EngineException e = refused(0x80, 4, 0x8d, 0, 0, 0, 0, 0, 1, 0, 0, '.');
        assertClear(e);
        assertTrue(e.getMessage().contains("1099511627776"), e.getMessage());
    }

    @Test
    void aPopFromAnEmptyStackIsRefused() {
        assertClear(refused(0x80, 2, '.'));
        assertClear(refused(0x80, 2, 's'));
        assertClear(refused(0x80, 2, 0x86, '.'));
    }
}
