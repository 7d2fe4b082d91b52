package dev.peftbench.contract;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RuntimeContractTest {

    @Test
    void hugePagesOnlyOnLinuxWhereHotSpotHasTheFlag() {
        assertTrue(RuntimeContract.jvmOptions("Linux").contains("-XX:+UseTransparentHugePages"));
        for (String os : new String[] {"Mac OS X", "Windows 11"}) {
            assertFalse(RuntimeContract.jvmOptions(os).contains("-XX:+UseTransparentHugePages"), os);
            // everything else stays: the vector module, native access, DJL offline
            assertEquals(RuntimeContract.JVM_OPTIONS.size() - 1, RuntimeContract.jvmOptions(os).size(), os);
        }
    }
}
