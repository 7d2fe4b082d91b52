package dev.peftbench.ui.serve;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The ready-to-copy request for the running server: the reference document's v2 infer body
 * ({@code sample-data/input.json}'s form: the input as base64 {@code bytes_contents}) for the current
 * model and the Prompt page's input, with the server's API key.
 *
 * @param apiKey the key the server wants as {@code Authorization: Bearer}; null when it wants none
 */
public record CurlCommand(String url, String apiKey, String body) {

    public static CurlCommand infer(String host, int httpPort, String model, String input, String apiKey) {
        String b64 = Base64.getEncoder().encodeToString(input.getBytes(StandardCharsets.UTF_8));
        String body = "{\"inputs\":[{\"name\":\"content\",\"shape\":[1],\"datatype\":\"BYTES\","
                + "\"contents\":{\"bytes_contents\":[\"" + b64 + "\"]}}]}";
        return new CurlCommand("http://" + host + ":" + httpPort + "/v2/models/" + model + "/infer", apiKey, body);
    }

    /** The shell command; single quotes are safe because the body is JSON with base64 only and the key URL-safe base64. */
    public String shell() {
        return "curl -s -X POST " + url + " \\\n  -H 'Content-Type: application/json' \\\n"
                + (apiKey == null ? "" : "  -H 'Authorization: Bearer " + apiKey + "' \\\n")
                + "  -d '" + body + "'";
    }
}
