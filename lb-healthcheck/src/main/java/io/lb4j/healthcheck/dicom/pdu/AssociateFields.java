package io.lb4j.healthcheck.dicom.pdu;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * What A-ASSOCIATE-RQ and -AC share (PS3.8 9.3.2, 9.3.3): the fixed fields drawn in {@link AssociateRq}, then an
 * application context item, the presentation context items (0x20 proposed, 0x21 answered) and a user information
 * item.
 */
final class AssociateFields {

    static final int PROTOCOL_VERSION_OFFSET = 6;
    static final int CALLED_AE_TITLE_OFFSET = 10;
    static final int CALLING_AE_TITLE_OFFSET = 26;
    static final int ITEMS_OFFSET = 74;
    static final int AE_TITLE_LENGTH = 16;
    static final int PROTOCOL_VERSION = 0x0001;

    private static final int RESERVED_LENGTH = 32;

    private AssociateFields() {
    }

    /** The decoded fields, with the presentation context items read by the PDU's own reader. */
    record Decoded<T>(String calledAeTitle, String callingAeTitle, String applicationContext, List<T> contexts,
                      UserInformation userInformation) {
    }

    /** Reads the value of one presentation context item. */
    @FunctionalInterface
    interface ContextReader<T> {
        T read(WireReader value) throws MalformedPduException;
    }

    /** The construction checks both records share; their messages name the field. */
    static void validate(String calledAeTitle, String callingAeTitle, String applicationContext,
                         UserInformation userInformation) {
        Values.text("called AE title", calledAeTitle, AE_TITLE_LENGTH);
        Values.text("calling AE title", callingAeTitle, AE_TITLE_LENGTH);
        Values.text("application context", applicationContext, WireWriter.MAX_ITEM_LENGTH);
        Objects.requireNonNull(userInformation, "userInformation");
    }

    /** The whole PDU: header, fixed fields, application context, the context items, user information. */
    static <T> byte[] encode(int type, String calledAeTitle, String callingAeTitle, String applicationContext,
                             List<T> contexts, BiConsumer<T, WireWriter> contextWriter,
                             UserInformation userInformation) {
        WireWriter w = WireWriter.pdu(type);
        w.u16(PROTOCOL_VERSION).zeros(2)
                .padded(calledAeTitle, AE_TITLE_LENGTH)
                .padded(callingAeTitle, AE_TITLE_LENGTH)
                .zeros(RESERVED_LENGTH);
        w.textItem(Items.APPLICATION_CONTEXT, applicationContext);
        for (T context : contexts) {
            contextWriter.accept(context, w);
        }
        userInformation.write(w);
        return w.finishPdu();
    }

    /**
     * Reads the body after the header. Exactly one application context and one user information item are required;
     * items of other types, presentation contexts of the other PDU's type included, are skipped.
     */
    static <T> Decoded<T> decode(WireReader body, int contextType, ContextReader<T> contextReader)
            throws MalformedPduException {
        body.u16("protocol version"); // PS3.8: test only bit 0; every peer sets it, and an answer is all we need
        body.skip(2, "reserved bytes");
        String called = body.text(AE_TITLE_LENGTH, "called AE title");
        String calling = body.text(AE_TITLE_LENGTH, "calling AE title");
        body.skip(RESERVED_LENGTH, "reserved bytes");
        String applicationContext = null;
        UserInformation userInformation = null;
        List<T> contexts = new ArrayList<>();
        while (body.hasRemaining()) {
            Items.Item item = Items.next(body);
            if (item.type() == contextType) {
                contexts.add(contextReader.read(item.value()));
            } else if (item.type() == Items.APPLICATION_CONTEXT) {
                applicationContext = once(body, applicationContext, Items.text(item.value()), item.type());
            } else if (item.type() == Items.USER_INFORMATION) {
                userInformation = once(body, userInformation, UserInformation.decode(item.value()), item.type());
            }
        }
        if (applicationContext == null) {
            throw body.malformed("no " + Items.name(Items.APPLICATION_CONTEXT));
        }
        if (userInformation == null) {
            throw body.malformed("no " + Items.name(Items.USER_INFORMATION));
        }
        return new Decoded<>(called, calling, applicationContext, contexts, userInformation);
    }

    private static <T> T once(WireReader body, T before, T value, int type) throws MalformedPduException {
        if (before != null) {
            throw body.malformed("a second " + Items.name(type));
        }
        return value;
    }
}
