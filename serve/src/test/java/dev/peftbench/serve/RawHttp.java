package dev.peftbench.serve;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Bytes on a socket, as a client that writes HTTP by hand (or a hostile one) sends them. */
final class RawHttp {

    /** What came back and whether the server closed the connection within the wait. */
    record Reply(String text, boolean closed, long millis) {
        int status() {
            return Integer.parseInt(text.substring(9, 12));
        }

        String body() {
            int at = text.indexOf("\r\n\r\n");
            return at < 0 ? "" : text.substring(at + 4);
        }
    }

    private RawHttp() {
    }

    /** Sends {@code request} and reads until the server closes or {@code wait} passes without data. */
    static Reply exchange(int port, String request, Duration wait) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return read(s, wait);
        }
    }

    /**
     * Writes {@code head}, then one {@code filler} byte every 250 ms, at most {@code bytes} of them, until
     * the server closes the connection: a slow client holding it open. The time counts from the head.
     */
    static Reply dribble(Socket s, String head, char filler, int bytes) throws IOException, InterruptedException {
        OutputStream out = s.getOutputStream();
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        long start = System.nanoTime();
        boolean closed = false;
        for (int i = 0; i < bytes && !closed; i++) {
            try {
                out.write(filler);
                out.flush();
                Thread.sleep(250);
                s.setSoTimeout(1);
                closed = s.getInputStream().read() < 0;
            } catch (SocketTimeoutException stillOpen) {
                // keep dribbling
            } catch (IOException reset) {
                closed = true;
            }
        }
        return new Reply("", closed, (System.nanoTime() - start) / 1_000_000);
    }

    static Reply read(Socket s, Duration wait) throws IOException {
        long start = System.nanoTime();
        s.setSoTimeout((int) wait.toMillis());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        boolean closed = false;
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
            closed = true;
        } catch (SocketTimeoutException stillOpen) {
            // the server kept the connection
        } catch (IOException reset) {
            closed = true;
        }
        return new Reply(out.toString(StandardCharsets.ISO_8859_1), closed, (System.nanoTime() - start) / 1_000_000);
    }
}
