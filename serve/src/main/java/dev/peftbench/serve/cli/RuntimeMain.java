package dev.peftbench.serve.cli;

/**
 * The runtime image's entry point: {@code serve} alone, configured by its flags and the container's
 * environment, with the command line's error printing. The image carries only the server's classpath,
 * so it cannot start the whole command line.
 */
public final class RuntimeMain {

    private RuntimeMain() {
    }

    public static void main(String[] args) {
        CommandLines.main(new ServeCommand(), args);
    }
}
