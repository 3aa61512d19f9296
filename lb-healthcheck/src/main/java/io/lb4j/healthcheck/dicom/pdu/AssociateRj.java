package io.lb4j.healthcheck.dicom.pdu;

/**
 * A-ASSOCIATE-RJ (PS3.8 9.3.4): the peer refuses the association, saying who refused and why.
 *
 * <pre>
 *  0        1        2                                   6          7          8          9
 * +--------+--------+--------+--------+--------+--------+----------+----------+----------+----------+
 * |  0x03  |reserved|          PDU length = 4           | reserved |  result  |  source  |  reason  |
 * +--------+--------+--------+--------+--------+--------+----------+----------+----------+----------+
 * </pre>
 *
 * <p>lb4j-internal.
 *
 * @param result {@link #PERMANENT} or {@link #TRANSIENT}
 * @param source {@link #SERVICE_USER}, {@link #SERVICE_PROVIDER_ACSE} or {@link #SERVICE_PROVIDER_PRESENTATION}
 * @param reason what the source says, e.g. {@link #CALLED_AE_TITLE_NOT_RECOGNIZED} from the service user
 */
public record AssociateRj(int result, int source, int reason) implements Pdu {

    public static final int RESULT_OFFSET = 7;
    public static final int SOURCE_OFFSET = 8;
    public static final int REASON_OFFSET = 9;

    public static final int PERMANENT = 1;
    public static final int TRANSIENT = 2;

    public static final int SERVICE_USER = 1;
    public static final int SERVICE_PROVIDER_ACSE = 2;
    public static final int SERVICE_PROVIDER_PRESENTATION = 3;

    /** Reasons from the service user (source 1). */
    public static final int NO_REASON_GIVEN = 1;
    public static final int APPLICATION_CONTEXT_NOT_SUPPORTED = 2;
    public static final int CALLING_AE_TITLE_NOT_RECOGNIZED = 3;
    public static final int CALLED_AE_TITLE_NOT_RECOGNIZED = 7;
    /** Reason from the ACSE service provider (source 2). */
    public static final int PROTOCOL_VERSION_NOT_SUPPORTED = 2;
    /** Reasons from the presentation service provider (source 3). */
    public static final int TEMPORARY_CONGESTION = 1;
    public static final int LOCAL_LIMIT_EXCEEDED = 2;

    /** @throws IllegalArgumentException when a field does not fit its byte */
    public AssociateRj {
        Values.unsigned("result", result, 0xFF);
        Values.unsigned("source", source, 0xFF);
        Values.unsigned("reason", reason, 0xFF);
    }

    @Override
    public int type() {
        return A_ASSOCIATE_RJ;
    }

    @Override
    public byte[] encode() {
        return ShortPdus.encode(A_ASSOCIATE_RJ, result, source, reason);
    }

    /** Why, in words: {@code "association rejected: called AE title not recognized"}. */
    public String describe() {
        String why = switch (source) {
            case SERVICE_USER -> switch (reason) {
                case NO_REASON_GIVEN -> "no reason given";
                case APPLICATION_CONTEXT_NOT_SUPPORTED -> "application context name not supported";
                case CALLING_AE_TITLE_NOT_RECOGNIZED -> "calling AE title not recognized";
                case CALLED_AE_TITLE_NOT_RECOGNIZED -> "called AE title not recognized";
                default -> "service user reason " + reason;
            };
            case SERVICE_PROVIDER_ACSE -> switch (reason) {
                case NO_REASON_GIVEN -> "no reason given (ACSE)";
                case PROTOCOL_VERSION_NOT_SUPPORTED -> "protocol version not supported";
                default -> "ACSE reason " + reason;
            };
            case SERVICE_PROVIDER_PRESENTATION -> switch (reason) {
                case TEMPORARY_CONGESTION -> "temporary congestion";
                case LOCAL_LIMIT_EXCEEDED -> "local limit exceeded";
                default -> "presentation reason " + reason;
            };
            default -> "source " + source + " reason " + reason;
        };
        String kind = result == PERMANENT ? "" : result == TRANSIENT ? " (transient)" : " (result " + result + ")";
        return "association rejected" + kind + ": " + why;
    }

    static AssociateRj decode(WireReader body) throws MalformedPduException {
        int[] f = ShortPdus.fields(body);
        return new AssociateRj(f[0], f[1], f[2]);
    }
}
