package dev.peftbench.serve;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts requests being answered, so that shutdown refuses new ones and lets these finish. */
public final class InFlight {

    private final AtomicInteger count = new AtomicInteger();
    private volatile boolean draining;

    /** @throws ServeException NOT_READY once shutdown began */
    public void enter() {
        count.incrementAndGet();
        if (draining) {
            count.decrementAndGet();
            throw new ServeException(Failure.NOT_READY, "the server is shutting down");
        }
    }

    public void exit() {
        synchronized (this) {
            count.decrementAndGet();
            notifyAll();
        }
    }

    public int count() {
        return count.get();
    }

    /** Refuses new requests and waits until the running ones are done or {@code grace} ran out. */
    public boolean drain(Duration grace) throws InterruptedException {
        draining = true;
        long deadline = System.nanoTime() + grace.toNanos();
        synchronized (this) {
            while (count.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }
}
