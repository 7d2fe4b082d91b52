package dev.peftbench.ui.serve;

/** Where the embedded server stands, as the Serve page shows it. */
public enum ServerState {
    STOPPED, STARTING, RUNNING, STOPPING
}
