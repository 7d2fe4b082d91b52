package dev.peftbench.serve.cli;

import dev.peftbench.contract.RuntimeContract;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The runtime contract names the image's entry point as text (it cannot see serve): the name must be this class's. */
class RuntimeMainTest {

    @Test
    void theContractsMainClassIsTheServersEntryPoint() throws ClassNotFoundException {
        assertEquals(RuntimeMain.class, Class.forName(RuntimeContract.MAIN_CLASS));
        assertEquals(RuntimeMain.class.getName(), RuntimeContract.MAIN_CLASS);
    }
}
