package dev.peftbench.contract;

import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class BuildInfoTest {

    @Test
    void theBuildWroteItsVersionAndCommit() {
        BuildInfo build = BuildInfo.current();
        assertNotEquals("unknown", build.version());
        assertNotEquals("unknown", build.commit(), "this test runs in a git checkout: the build must have found the commit");
    }

    @Test
    void aValueTheBuildCouldNotFillReadsAsUnknown() {
        Properties p = new Properties();
        p.setProperty("version", "0.2.0");
        p.setProperty("commit", "${buildNumber}");
        p.setProperty("built", "${timestamp}");
        BuildInfo build = BuildInfo.of(p);
        assertEquals(new BuildInfo("0.2.0", "unknown", ""), build);
        assertEquals("peftbench 0.2.0 (commit unknown)", build.describe().getFirst());
    }
}
