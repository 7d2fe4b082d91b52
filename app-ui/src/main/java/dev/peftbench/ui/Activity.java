package dev.peftbench.ui;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.concurrent.Worker;

import java.util.Locale;

/**
 * The long action the status bar shows: its message, progress and a way to cancel it. The latest
 * action started wins the bar; every page still shows its own state. FX thread only.
 */
public final class Activity {
    private final StringProperty message = new SimpleStringProperty("Ready");
    private final DoubleProperty progress = new SimpleDoubleProperty(0);
    private final BooleanProperty busy = new SimpleBooleanProperty(false);
    private final BooleanProperty cancellable = new SimpleBooleanProperty(false);
    private Worker<?> current;
    private Runnable cancel = () -> { };

    /**
     * Shows {@code worker} in the status bar until {@link #finish}; Cancel runs {@code cancelAction}
     * (null: the action cannot be cancelled). Busy from now on, not from when a thread picks it up,
     * so an action still waiting for a thread can be cancelled too.
     */
    public void track(Worker<?> worker, Runnable cancelAction) {
        release();
        current = worker;
        cancel = cancelAction == null ? () -> { } : cancelAction;
        cancellable.set(cancelAction != null);
        message.bind(worker.messageProperty());
        progress.bind(worker.progressProperty());
        busy.set(true);
    }

    /** Ends tracking of {@code worker} and leaves {@code text} in the bar, if it is still the action shown. */
    public void finish(Worker<?> worker, String text) {
        // A newer action owns the bar now: its message stays.
        if (worker != current) {
            return;
        }
        release();
        progress.set(0);
        busy.set(false);
        cancellable.set(false);
        message.set(text);
    }

    public void cancel() {
        cancel.run();
    }

    private void release() {
        message.unbind();
        progress.unbind();
        current = null;
        cancel = () -> { };
    }

    /** Time left as the status bar shows it: minutes and seconds, {@code m:ss}. */
    public static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    public ReadOnlyStringProperty messageProperty() {
        return message;
    }

    public ReadOnlyDoubleProperty progressProperty() {
        return progress;
    }

    public ReadOnlyBooleanProperty busyProperty() {
        return busy;
    }

    public ReadOnlyBooleanProperty cancellableProperty() {
        return cancellable;
    }
}
