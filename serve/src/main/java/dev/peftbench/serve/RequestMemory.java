package dev.peftbench.serve;

import dev.peftbench.contract.Setting;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of the requests the server is receiving and answering now, REST bodies and gRPC messages
 * alike, bounded in total ({@code --max-inflight-request-bytes}): a request whose bytes would pass the
 * bound is refused at once (503 / RESOURCE_EXHAUSTED, retry later) instead of being buffered, so that
 * many large requests at once cannot take the process past its memory. A request holds its bytes until
 * it is answered: what was parsed from them lives that long.
 */
public final class RequestMemory {

    private final long limit;
    private final AtomicLong held = new AtomicLong();

    public RequestMemory(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("the in-flight request bytes must be >= 1, got " + limit);
        }
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }

    /** Takes {@code bytes} if they fit beside what is held; false (nothing taken) if not. */
    public boolean tryTake(long bytes) {
        while (true) {
            long now = held.get();
            if (now + bytes > limit) {
                return false;
            }
            if (held.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    public void release(long bytes) {
        held.addAndGet(-bytes);
    }

    /** The refusal of a request that does not fit. */
    public ServeException refusal() {
        return new ServeException(Failure.OVERLOADED, "the server is receiving as many request bytes as it holds at once ("
                + limit + ", " + Setting.MAX_INFLIGHT_REQUEST_BYTES.label() + "); retry shortly");
    }
}
