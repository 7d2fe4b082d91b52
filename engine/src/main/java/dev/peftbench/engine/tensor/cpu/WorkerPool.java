package dev.peftbench.engine.tensor.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits a range of rows across a fixed set of threads, the caller taking the first share. A decode
 * step issues ~100 parallel kernels; waking workers with a short spin before parking keeps the hand-off
 * in microseconds, where an executor's queue would cost tens of them per kernel.
 */
final class WorkerPool implements AutoCloseable {

    @FunctionalInterface
    interface RangeTask {
        void run(int start, int end);
    }

    private static final int SPIN_ITERATIONS = 5_000;

    private final Thread[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Job job = new Job(0, null, new int[0]);
    private volatile boolean closed;
    private volatile Throwable failure;

    /** One published piece of work; read as a whole so a worker never pairs one job's task with another's bounds. */
    private record Job(long generation, RangeTask task, int[] bounds) {
    }

    WorkerPool(int threads) {
        workers = new Thread[Math.max(0, threads - 1)];
        for (int i = 0; i < workers.length; i++) {
            int share = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("peftbench-cpu-" + share).start(() -> workLoop(share));
        }
    }

    int threads() {
        return workers.length + 1;
    }

    /**
     * Runs {@code task} over {@code [0, n)} split into one share per thread, each share a multiple of
     * {@code grain} (the kernels' row tile). Small ranges run on the caller alone.
     */
    void forRange(int n, int grain, boolean parallel, RangeTask task) {
        int shares = parallel ? Math.min(threads(), Math.max(1, n / Math.max(1, grain))) : 1;
        if (shares <= 1) {
            task.run(0, n);
            return;
        }
        int[] b = new int[shares + 1];
        int units = (n + grain - 1) / grain;
        for (int s = 0; s <= shares; s++) {
            b[s] = Math.min(n, (int) ((long) units * s / shares) * grain);
        }
        b[shares] = n;
        this.failure = null;
        pending.set(shares - 1);
        job = new Job(job.generation() + 1, task, b);
        for (int s = 1; s < shares; s++) {
            LockSupport.unpark(workers[s - 1]);
        }
        task.run(b[0], b[1]);
        // Spin briefly (the other shares end within microseconds of ours), then yield: on a busy machine
        // a worker may be waiting for a core that this thread is spinning on.
        for (int spins = 0; pending.get() > 0; spins++) {
            if (spins < 2_000) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        Throwable t = failure;
        if (t != null) {
            throw new IllegalStateException("CPU kernel failed: " + t, t);
        }
    }

    /**
     * Runs {@code task} for every unit of {@code [0, n)}, each thread taking the next unit as it finishes one, so
     * units of very different cost end together where {@link #forRange}'s equal shares would not. {@code task}
     * gets the unit and its thread's scratch (what the thread's previous unit returned, null at first).
     */
    <S> void forEachUnit(int n, boolean parallel, UnitTask<S> task) {
        AtomicInteger next = new AtomicInteger();
        forRange(parallel ? Math.min(n, threads()) : 1, 1, parallel, (s0, s1) -> {
            S scratch = null;
            for (int u; (u = next.getAndIncrement()) < n; ) {
                scratch = task.run(u, scratch);
            }
        });
    }

    @FunctionalInterface
    interface UnitTask<S> {
        S run(int unit, S scratch);
    }

    private void workLoop(int share) {
        long seen = 0;
        while (!closed) {
            int spins = 0;
            Job current;
            while ((current = job).generation() == seen && !closed) {
                if (++spins < SPIN_ITERATIONS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(1_000_000);
                }
            }
            if (closed) {
                return;
            }
            seen = current.generation();
            int[] b = current.bounds();
            if (share < b.length - 1) {
                try {
                    current.task().run(b[share], b[share + 1]);
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    pending.decrementAndGet();
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
