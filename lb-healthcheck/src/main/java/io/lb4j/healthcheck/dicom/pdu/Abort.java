package io.lb4j.healthcheck.dicom.pdu;

/**
 * A-ABORT (PS3.8 9.3.8): ends the association at once, from the service user (the application) or the service
 * provider (the Upper Layer itself, with a reason code).
 *
 * <pre>
 *  0        1        2                                   6          7          8          9
 * +--------+--------+--------+--------+--------+--------+----------+----------+----------+----------+
 * |  0x07  |reserved|          PDU length = 4           | reserved | reserved |  source  |  reason  |
 * +--------+--------+--------+--------+--------+--------+----------+----------+----------+----------+
 * </pre>
 *
 * <p>lb4j-internal.
 *
 * @param source {@link #SERVICE_USER} or {@link #SERVICE_PROVIDER}
 * @param reason with the service provider as source: {@link #REASON_NOT_SPECIFIED}, {@link #UNRECOGNIZED_PDU},
 *               ...; 0 otherwise
 */
public record Abort(int source, int reason) implements Pdu {

    public static final int SOURCE_OFFSET = 8;
    public static final int REASON_OFFSET = 9;

    public static final int SERVICE_USER = 0;
    public static final int SERVICE_PROVIDER = 2;

    /** Reasons with the service provider as source (PS3.8 table 9-26). */
    public static final int REASON_NOT_SPECIFIED = 0;
    public static final int UNRECOGNIZED_PDU = 1;
    public static final int UNEXPECTED_PDU = 2;
    public static final int UNRECOGNIZED_PARAMETER = 4;
    public static final int UNEXPECTED_PARAMETER = 5;
    public static final int INVALID_PARAMETER_VALUE = 6;

    /** @throws IllegalArgumentException when a field does not fit its byte */
    public Abort {
        Values.unsigned("source", source, 0xFF);
        Values.unsigned("reason", reason, 0xFF);
    }

    /** The application gives up: source service user, reason 0. */
    public static Abort byUser() {
        return new Abort(SERVICE_USER, REASON_NOT_SPECIFIED);
    }

    /** The Upper Layer gives up on what the peer sent, e.g. {@link MalformedPduException#abortReason()}. */
    public static Abort byProvider(int reason) {
        return new Abort(SERVICE_PROVIDER, reason);
    }

    @Override
    public int type() {
        return A_ABORT;
    }

    @Override
    public byte[] encode() {
        return ShortPdus.encode(A_ABORT, 0, source, reason);
    }

    /** Who aborted and why, in words: {@code "association aborted by the peer (service provider): unexpected PDU"}. */
    public String describe() {
        if (source == SERVICE_USER) {
            return "association aborted by the peer (service user)";
        }
        String why = switch (reason) {
            case REASON_NOT_SPECIFIED -> "reason not specified";
            case UNRECOGNIZED_PDU -> "unrecognized PDU";
            case UNEXPECTED_PDU -> "unexpected PDU";
            case UNRECOGNIZED_PARAMETER -> "unrecognized PDU parameter";
            case UNEXPECTED_PARAMETER -> "unexpected PDU parameter";
            case INVALID_PARAMETER_VALUE -> "invalid PDU parameter value";
            default -> "reason " + reason;
        };
        return "association aborted by the peer (service provider): " + why;
    }

    static Abort decode(WireReader body) throws MalformedPduException {
        int[] f = ShortPdus.fields(body);
        return new Abort(f[1], f[2]);
    }
}
