package io.lb4j.healthcheck.dicom.pdu;

import java.util.List;
import java.util.Optional;

/**
 * A-ASSOCIATE-AC (PS3.8 9.3.3): the acceptor (SCP) accepts the association and answers each proposed presentation
 * context. The layout is {@link AssociateRq}'s with type 0x02 and presentation context items of type 0x21 (see
 * {@link PresentationContextResult}); the AE title fields and the 32 reserved bytes after them are echoed from the
 * request and not tested when received.
 *
 * <p>lb4j-internal.
 *
 * @param calledAeTitle      the request's called AE title, echoed
 * @param callingAeTitle     the request's calling AE title, echoed
 * @param applicationContext {@link Uids#APPLICATION_CONTEXT}
 * @param results            one answer per proposed presentation context
 * @param userInformation    maximum PDU length the acceptor receives, implementation UID and version
 */
public record AssociateAc(String calledAeTitle, String callingAeTitle, String applicationContext,
                          List<PresentationContextResult> results, UserInformation userInformation)
        implements Pdu {

    /**
     * @throws IllegalArgumentException when a field does not fit its place on the wire (AE titles: 16 bytes)
     * @throws NullPointerException     naming a missing field
     */
    public AssociateAc {
        AssociateFields.validate(calledAeTitle, callingAeTitle, applicationContext, userInformation);
        results = List.copyOf(results);
    }

    /** The answer to the presentation context with this ID, if the acceptor gave one. */
    public Optional<PresentationContextResult> result(int presentationContextId) {
        return results.stream().filter(r -> r.id() == presentationContextId).findFirst();
    }

    @Override
    public int type() {
        return A_ASSOCIATE_AC;
    }

    @Override
    public byte[] encode() {
        return AssociateFields.encode(A_ASSOCIATE_AC, calledAeTitle, callingAeTitle, applicationContext,
                results, PresentationContextResult::write, userInformation);
    }

    static AssociateAc decode(WireReader body) throws MalformedPduException {
        AssociateFields.Decoded<PresentationContextResult> d =
                AssociateFields.decode(body, Items.PRESENTATION_CONTEXT_AC, PresentationContextResult::decode);
        return new AssociateAc(d.calledAeTitle(), d.callingAeTitle(), d.applicationContext(), d.contexts(),
                d.userInformation());
    }
}
