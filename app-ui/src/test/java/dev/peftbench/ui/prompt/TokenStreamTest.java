package dev.peftbench.ui.prompt;

import javafx.application.Platform;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.util.WaitForAsyncUtils;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(ApplicationExtension.class)
class TokenStreamTest {

    @Test
    void aFastStreamArrivesInOrderOnTheFxThreadInFewUpdates() throws Exception {
        int tokens = 5000;
        StringProperty target = new SimpleStringProperty("");
        AtomicInteger updates = new AtomicInteger();
        AtomicBoolean offFxThread = new AtomicBoolean();
        target.addListener((o, a, b) -> {
            updates.incrementAndGet();
            offFxThread.compareAndSet(false, !Platform.isFxApplicationThread());
        });
        TokenStream stream = new TokenStream(target, FXCollections.observableArrayList());
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < tokens; i++) {
            expected.append("t").append(i).append(' ');
        }

        Thread scheduler = new Thread(() -> {
            for (int i = 0; i < tokens; i++) {
                stream.onToken(i, "t" + i + " ");
            }
        });
        scheduler.start();
        scheduler.join();
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> stream.tokensProperty().get() == tokens);

        assertEquals(expected.toString(), target.get());
        assertFalse(offFxThread.get(), "the text changes only on the FX thread");
        assertTrue(updates.get() < tokens, "updates are coalesced: " + updates.get() + " for " + tokens + " tokens");
    }
}
