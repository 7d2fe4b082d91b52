package dev.peftbench.engine.hub;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.LongConsumer;

/**
 * Appends a response body to a partial blob file as it arrives, counting bytes and noting when the
 * last ones came (for the idle timeout). {@link #close()} stops it for good, so the file can be closed
 * while the exchange is still being torn down.
 */
final class BlobWriter implements HttpResponse.BodySubscriber<Long> {

    private final FileChannel channel;
    private final LongConsumer bytes;
    private final CompletableFuture<Long> result = new CompletableFuture<>();
    private volatile long lastActivity = System.nanoTime();
    private Flow.Subscription subscription;
    private long written;
    private boolean closed;

    BlobWriter(FileChannel channel, LongConsumer bytes) {
        this.channel = channel;
        this.bytes = bytes;
    }

    long lastActivity() {
        return lastActivity;
    }

    /** The whole file is coming again: drop the {@code had} bytes already there. */
    synchronized void restart(long had) {
        try {
            channel.truncate(0);
            bytes.accept(-had);
        } catch (IOException e) {
            fail(e);
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        synchronized (this) {
            subscription = s;
            if (closed) {
                s.cancel();
                return;
            }
        }
        // Writes happen inside onNext, which holds the client's reading thread meanwhile: that is the
        // back-pressure, so demand need not be counted out buffer by buffer (which halves the throughput).
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        synchronized (this) {
            if (closed) {
                return;
            }
            try {
                long n = 0;
                for (ByteBuffer b : items) {
                    while (b.hasRemaining()) {
                        n += channel.write(b);
                    }
                }
                written += n;
                bytes.accept(n);
            } catch (IOException e) {
                fail(e);
                return;
            }
        }
        lastActivity = System.nanoTime();
    }

    private void fail(IOException e) {
        closed = true;
        if (subscription != null) {
            subscription.cancel();
        }
        result.completeExceptionally(new HubClient.DiskWriteFailure(e));
    }

    @Override
    public void onError(Throwable t) {
        result.completeExceptionally(t);
    }

    @Override
    public synchronized void onComplete() {
        result.complete(written);
    }

    @Override
    public CompletionStage<Long> getBody() {
        return result;
    }

    /** No byte is written after this returns. */
    void close() {
        Flow.Subscription s;
        synchronized (this) {
            closed = true;
            s = subscription;
        }
        if (s != null && !result.isDone()) {
            s.cancel();
        }
    }
}
