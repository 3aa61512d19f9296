package io.lb4j.healthcheck.hl7;

import io.lb4j.healthcheck.net.Reasons;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/** Filling the probe's template and reading an ACK: just the MSH and MSA fields the check needs. */
final class Hl7Messages {

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);

    private Hl7Messages() {
    }

    /** The template with MSH-7 = {@code now} and MSH-10 = {@code controlId}; segments end with CR. */
    static String fill(String template, String controlId, Instant now) {
        int end = template.indexOf('\r');
        String msh = end < 0 ? template : template.substring(0, end);
        String rest = end < 0 ? "" : template.substring(end);
        char separator = msh.charAt(3);
        // Split index n holds MSH-(n+1): MSH-1 is the separator itself, so "MSH" is index 0.
        String[] fields = msh.split(Pattern.quote(String.valueOf(separator)), -1);
        fields[6] = TIMESTAMP.format(now);
        fields[9] = controlId;
        String message = String.join(String.valueOf(separator), fields) + rest;
        return message.endsWith("\r") ? message : message + "\r";
    }

    /** Null when {@code ack} acknowledges {@code controlId} with AA or CA, else why not. */
    static String verdict(String ack, String controlId) {
        String[] segments = ack.split("[\r\n]+");
        if (segments.length == 0 || !segments[0].startsWith("MSH") || segments[0].length() < 4) {
            return "reply is not an HL7 message: \"" + Reasons.preview(ack, 60) + "\"";
        }
        String separator = Pattern.quote(String.valueOf(segments[0].charAt(3)));
        for (String segment : segments) {
            if (segment.startsWith("MSA")) {
                String[] f = segment.split(separator, -1);
                String code = f.length > 1 ? f[1] : "";
                String acked = f.length > 2 ? f[2] : "";
                String text = f.length > 3 && !f[3].isEmpty() ? ": " + Reasons.preview(f[3], 120) : errText(segments, separator);
                if (!acked.equals(controlId)) {
                    return "ACK for control ID \"" + Reasons.preview(acked, 40) + "\" (expected: \"" + controlId + "\")";
                }
                return switch (code) {
                    case "AA", "CA" -> null;
                    case "AE", "CE" -> "HL7 " + code + " (application error)" + text;
                    case "AR", "CR" -> "HL7 " + code + " (application reject)" + text;
                    default -> "unknown MSA-1 acknowledgment code \"" + Reasons.preview(code, 10) + "\"" + text;
                };
            }
        }
        return "reply has no MSA segment: \"" + Reasons.preview(ack, 60) + "\"";
    }

    /**
     * The ERR segment's text, if any, for a more useful reason: ERR-8 (user message) when present, else ERR-3's
     * text and original text (v2.5+), else ERR-1 (v2.3-v2.4 "error code and location").
     */
    private static String errText(String[] segments, String separator) {
        String components = Pattern.quote(segments[0].length() > 4 ? segments[0].substring(4, 5) : "^");
        for (String segment : segments) {
            if (segment.startsWith("ERR")) {
                String[] f = segment.split(separator, -1);
                if (f.length > 8 && !f[8].isEmpty()) {
                    return ": " + Reasons.preview(f[8], 120);
                }
                if (f.length > 3 && !f[3].isEmpty()) {
                    String[] c = f[3].split(components, -1);
                    String text = c.length > 1 ? c[1] : c[0];
                    String original = c.length > 8 ? c[8] : "";
                    String both = text.isEmpty() ? original : original.isEmpty() ? text : text + ": " + original;
                    return both.isEmpty() ? "" : ": " + Reasons.preview(both, 120);
                }
                if (f.length > 1 && !f[1].isEmpty()) {
                    return ": " + Reasons.preview(f[1].replaceAll("[\\^&~]+", " ").strip(), 120);
                }
            }
        }
        return "";
    }
}
