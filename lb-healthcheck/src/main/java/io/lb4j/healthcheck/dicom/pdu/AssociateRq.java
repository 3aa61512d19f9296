package io.lb4j.healthcheck.dicom.pdu;

import java.util.List;

/**
 * A-ASSOCIATE-RQ (PS3.8 9.3.2): the requestor (SCU) names the AE it calls and itself, and proposes presentation
 * contexts. Layout: the fixed fields below, then items (each {@code type, reserved, uint16 length, value}).
 *
 * <pre>
 *  offset  size  field
 *   0       6    PDU header, type 0x01
 *   6       2    protocol version 0x0001
 *   8       2    reserved
 *  10      16    called AE title, space padded
 *  26      16    calling AE title, space padded
 *  42      32    reserved
 *  74       -    application context item 0x10, presentation context items 0x20, user information item 0x50
 * </pre>
 *
 * <p>lb4j-internal.
 *
 * @param calledAeTitle        the AE title of the peer's service, at most 16 characters
 * @param callingAeTitle       the requestor's own AE title, at most 16 characters
 * @param applicationContext   {@link Uids#APPLICATION_CONTEXT}
 * @param presentationContexts what the requestor proposes
 * @param userInformation      maximum PDU length it receives, implementation UID and version
 */
public record AssociateRq(String calledAeTitle, String callingAeTitle, String applicationContext,
                          List<PresentationContext> presentationContexts, UserInformation userInformation)
        implements Pdu {

    /** The presentation context ID {@link #verification} and {@link #proposing} propose. */
    public static final int VERIFICATION_CONTEXT_ID = 1;

    /**
     * @throws IllegalArgumentException when a field does not fit its place on the wire (AE titles: 16 bytes)
     * @throws NullPointerException     naming a missing field
     */
    public AssociateRq {
        AssociateFields.validate(calledAeTitle, callingAeTitle, applicationContext, userInformation);
        presentationContexts = List.copyOf(presentationContexts);
    }

    /**
     * The request of a C-ECHO: the Verification SOP Class with Implicit VR Little Endian as presentation context
     * {@value #VERIFICATION_CONTEXT_ID}, the one transfer syntax every DICOM implementation must accept.
     */
    public static AssociateRq verification(String calledAeTitle, String callingAeTitle,
                                           UserInformation userInformation) {
        return proposing(Uids.VERIFICATION, calledAeTitle, callingAeTitle, userInformation);
    }

    /**
     * A request proposing the one SOP class {@code abstractSyntax} with Implicit VR Little Endian as presentation
     * context {@value #VERIFICATION_CONTEXT_ID}, e.g. {@link Uids#STUDY_ROOT_QUERY_FIND} for a C-FIND.
     */
    public static AssociateRq proposing(String abstractSyntax, String calledAeTitle, String callingAeTitle,
                                        UserInformation userInformation) {
        return new AssociateRq(calledAeTitle, callingAeTitle, Uids.APPLICATION_CONTEXT,
                List.of(new PresentationContext(VERIFICATION_CONTEXT_ID, abstractSyntax,
                        List.of(Uids.IMPLICIT_VR_LITTLE_ENDIAN))),
                userInformation);
    }

    @Override
    public int type() {
        return A_ASSOCIATE_RQ;
    }

    /** @throws IllegalArgumentException when an item outgrows its 16-bit length (thousands of transfer syntaxes) */
    @Override
    public byte[] encode() {
        return AssociateFields.encode(A_ASSOCIATE_RQ, calledAeTitle, callingAeTitle, applicationContext,
                presentationContexts, PresentationContext::write, userInformation);
    }

    static AssociateRq decode(WireReader body) throws MalformedPduException {
        AssociateFields.Decoded<PresentationContext> d = AssociateFields.decode(body, Items.PRESENTATION_CONTEXT_RQ,
                PresentationContext::decode);
        return new AssociateRq(d.calledAeTitle(), d.callingAeTitle(), d.applicationContext(), d.contexts(),
                d.userInformation());
    }
}
