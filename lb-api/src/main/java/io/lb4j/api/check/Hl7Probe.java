package io.lb4j.api.check;

import io.lb4j.api.internal.Checks;

import java.util.Objects;

/**
 * An HL7 v2 message sent in an MLLP frame ({@code 0x0B message 0x1C 0x0D}); passes only on an ACK whose MSA-1 is
 * {@code AA} or {@code CA} and whose MSA-2 is the control ID that was sent.
 *
 * <p>The message is a template: every attempt sends it with a fresh control ID in MSH-10 and the current time in
 * MSH-7, so a receiver that drops duplicates still answers and an old ACK is never mistaken for a new one. Segments
 * are separated by carriage returns; line feeds in the template (a Java text block) are turned into carriage
 * returns. The default is a minimal {@code QRY^A19} query, chosen because a query never changes data in the
 * receiver; a receiver that answers it with {@code AR} (message type not supported) needs a template of a message
 * it accepts.
 *
 * @param template the message: an MSH segment with at least 12 fields (MSH-12, the version), then any segments
 */
public record Hl7Probe(String template) implements Probe {

    /** The default message: a patient query that changes nothing in the receiver. */
    public static final String DEFAULT_TEMPLATE =
            "MSH|^~\\&|LB4J|LB4J|||20000101000000||QRY^A19|LB4J|P|2.5\r"
                    + "QRD|20000101000000|R|I|LB4J|||1^RD|LB4J-HEALTH-CHECK|DEM\r";

    private static final Hl7Probe DEFAULTS = new Hl7Probe(DEFAULT_TEMPLATE);

    /**
     * Normalises line ends and validates the MSH segment.
     *
     * @throws IllegalArgumentException when the template does not start with an MSH segment of at least 12 fields
     * @throws NullPointerException     when the template is missing
     */
    public Hl7Probe {
        Objects.requireNonNull(template, "hl7.template");
        template = template.replace("\r\n", "\r").replace('\n', '\r');
        if (!template.startsWith("MSH") || template.length() < 8) {
            throw Checks.invalid("hl7.template", abbreviate(template), "an HL7 v2 message starting with an MSH segment");
        }
        char separator = template.charAt(3);
        int end = template.indexOf('\r');
        String msh = end < 0 ? template : template.substring(0, end);
        // MSH-1 is the separator itself, so the n-th field is at split index n-1.
        int fields = msh.split(java.util.regex.Pattern.quote(String.valueOf(separator)), -1).length;
        if (fields < 12) {
            throw Checks.invalid("hl7.template", abbreviate(msh), "an MSH segment with at least 12 fields (up to MSH-12, the version)");
        }
    }

    /** The default {@code QRY^A19} message. */
    public static Hl7Probe defaults() {
        return DEFAULTS;
    }

    /** The given message template. */
    public static Hl7Probe template(String message) {
        return new Hl7Probe(message);
    }

    @Override
    public String type() {
        return "hl7";
    }

    private static String abbreviate(String s) {
        String shown = s.replace("\r", "\\r");
        return "\"" + (shown.length() > 40 ? shown.substring(0, 40) + "..." : shown) + "\"";
    }
}
