package dev.peftbench.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What is wrong with a JSON text, as one line for a person: where (line, column) and what, without the
 * parser's internals (Jackson's own message names its source as "REDACTED" and the feature that would
 * show it).
 */
final class JsonProblem {

    /** Jackson's "(start marker at [Source: ...; line: L, column: C])" inside a message. */
    private static final Pattern START_MARKER = Pattern.compile("\\s*\\(start marker at \\[Source: .*?; line: (\\d+), column: (\\d+)\\]\\)");
    /** Any other "[Source: ...; line: L, column: C]" (e.g. "for Array starting at [...]"). */
    private static final Pattern AT = Pattern.compile("\\[Source: .*?; line: (\\d+), column: (\\d+)\\]");
    private static final Pattern SOURCE = Pattern.compile("\\s*\\[Source: .*?\\]");

    private JsonProblem() {
    }

    /** {@code <subject> is not valid JSON at line L, column C: what}. */
    static String describe(String subject, JsonProcessingException e) {
        String what = e.getOriginalMessage() == null ? "unreadable" : e.getOriginalMessage();
        Matcher start = START_MARKER.matcher(what);
        what = start.find() ? start.replaceAll(" (opened at line $1, column $2)") : what;
        what = AT.matcher(what).replaceAll("line $1, column $2");
        what = SOURCE.matcher(what).replaceAll("").replaceAll("\\s+", " ").strip();
        JsonLocation at = e.getLocation();
        return subject + " is not valid JSON" + (at == null || at.getLineNr() < 1 ? ""
                : " at line " + at.getLineNr() + ", column " + at.getColumnNr()) + ": " + what;
    }
}
