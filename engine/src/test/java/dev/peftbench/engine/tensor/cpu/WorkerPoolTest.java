package dev.peftbench.engine.tensor.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkerPoolTest {

    /**
     * The first unit (a long prompt chunk's attention head) does not finish until every other unit has: with equal
     * shares the units behind it on its thread could never run and it would time out; taken one at a time, the other
     * thread does them all. Each unit runs exactly once.
     */
    @Test
    void anIdleThreadTakesTheUnitsBehindALongOne() throws Exception {
        int units = 12;
        CountDownLatch othersDone = new CountDownLatch(units - 1);
        AtomicIntegerArray runs = new AtomicIntegerArray(units);
        boolean[] waitedInTime = new boolean[1];
        try (WorkerPool pool = new WorkerPool(2)) {
            pool.<Void>forEachUnit(units, true, (u, none) -> {
                runs.incrementAndGet(u);
                if (u == 0) {
                    try {
                        waitedInTime[0] = othersDone.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                } else {
                    othersDone.countDown();
                }
                return null;
            });
        }
        assertTrue(waitedInTime[0], "the other thread should have run units 1-11 while unit 0 waited");
        for (int u = 0; u < units; u++) {
            assertEquals(1, runs.get(u), "unit " + u);
        }
    }
}
