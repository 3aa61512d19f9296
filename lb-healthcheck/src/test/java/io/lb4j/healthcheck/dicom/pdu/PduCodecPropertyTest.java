package io.lb4j.healthcheck.dicom.pdu;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Properties of the codec on generated PDUs and hostile bytes: every PDU survives a round trip unchanged; random,
 * truncated or corrupted bytes give a PDU or a {@link MalformedPduException}, never another exception.
 */
class PduCodecPropertyTest {

    private static final int MAX = 4096;

    @Property(tries = 500)
    void everyPduDecodesToItselfAfterEncoding(@ForAll("pdus") Pdu pdu) throws MalformedPduException {
        byte[] bytes = pdu.encode();

        assertThat(PduCodec.decode(ByteBuffer.wrap(bytes), bytes.length)).isEqualTo(pdu);
    }

    @Property(tries = 500)
    void everyStrictPrefixOfAPduIsMalformed(@ForAll("pdus") Pdu pdu, @ForAll @IntRange(max = 10_000) int cut) {
        byte[] bytes = pdu.encode();
        byte[] prefix = Arrays.copyOf(bytes, cut % bytes.length);

        assertThatThrownBy(() -> PduCodec.decode(ByteBuffer.wrap(prefix), MAX))
                .isInstanceOf(MalformedPduException.class);
        if (prefix.length > 0) {
            assertThatThrownBy(() -> PduCodec.read(new ByteArrayInputStream(prefix), MAX))
                    .isInstanceOf(MalformedPduException.class);
        }
    }

    @Property(tries = 1000)
    void corruptedPdusDecodeOrAreMalformed(@ForAll("pdus") Pdu pdu,
                                           @ForAll @Size(min = 1, max = 8) List<@IntRange(max = 10_000) Integer> at,
                                           @ForAll @Size(min = 8, max = 8) byte[] values) {
        byte[] bytes = pdu.encode();
        for (int i = 0; i < at.size(); i++) {
            bytes[at.get(i) % bytes.length] = values[i];
        }
        decodesOrIsMalformed(bytes);
    }

    @Property(tries = 1000)
    void randomBytesDecodeOrAreMalformed(@ForAll @IntRange(min = 1, max = 7) int type,
                                         @ForAll @Size(max = 300) byte[] body) {
        // Mostly well-formed headers, so the bytes reach every PDU's body decoder.
        byte[] bytes = ByteBuffer.allocate(Pdu.HEADER_LENGTH + body.length)
                .put((byte) type).put((byte) 0).putInt(body.length).put(body).array();
        decodesOrIsMalformed(bytes);
        decodesOrIsMalformed(body);
    }

    @Property(tries = 1000)
    void randomCommandSetsDecodeOrAreMalformed(@ForAll @Size(max = 200) byte[] bytes) {
        try {
            CommandSet.decode(bytes);
        } catch (MalformedPduException expected) {
            // the only way to refuse
        }
    }

    @Property(tries = 300)
    void everyCommandSetDecodesToItselfAfterEncoding(@ForAll("commandSets") CommandSet command)
            throws MalformedPduException {
        assertThat(CommandSet.decode(command.encode())).isEqualTo(command);
    }

    private static void decodesOrIsMalformed(byte[] bytes) {
        Pdu fromBuffer;
        try {
            fromBuffer = PduCodec.decode(ByteBuffer.wrap(bytes), MAX);
        } catch (MalformedPduException e) {
            fromBuffer = null;
        }
        Pdu fromStream;
        try {
            fromStream = PduCodec.read(new ByteArrayInputStream(bytes), MAX);
        } catch (MalformedPduException e) {
            fromStream = null;
        } catch (java.io.EOFException e) {
            assertThat(bytes).isEmpty(); // only a stream without a single byte is a clean end
            fromStream = null;
        } catch (java.io.IOException e) {
            throw new AssertionError("a byte array stream cannot fail", e);
        }
        assertThat(fromStream).isEqualTo(fromBuffer);
        if (fromBuffer != null) {
            // Whatever decodes is a value the codec can write again, and reads back the same.
            try {
                byte[] again = fromBuffer.encode();
                assertThat(PduCodec.decode(ByteBuffer.wrap(again), again.length)).isEqualTo(fromBuffer);
            } catch (MalformedPduException e) {
                throw new AssertionError("re-encoded " + fromBuffer + " does not decode", e);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ generators

    @Provide
    Arbitrary<Pdu> pdus() {
        return Arbitraries.oneOf(associateRq(), associateAc(), associateRj(), pData(),
                Arbitraries.of(new ReleaseRq(), new ReleaseRp()), abort());
    }

    @Provide
    Arbitrary<CommandSet> commandSets() {
        Arbitrary<Integer> optional = Arbitraries.integers().between(-1, 0xFFFF);
        return Combinators.combine(Arbitraries.integers().between(0, 0xFFFF), optionalUids(),
                optional, optional, optional, optional, optional).as(CommandSet::new);
    }

    private static Arbitrary<String> aeTitles() {
        return Arbitraries.strings().withCharRange('!', '~').ofMaxLength(16);
    }

    private static Arbitrary<String> uids() {
        return Arbitraries.strings().withChars("0123456789.").ofMinLength(1).ofMaxLength(64);
    }

    /** A UID, or empty for an absent one. */
    private static Arbitrary<String> optionalUids() {
        return Arbitraries.oneOf(uids(), Arbitraries.just(""));
    }

    private static Arbitrary<UserInformation> userInformation() {
        return Combinators.combine(Arbitraries.longs().between(0, 0xFFFF_FFFFL), uids(),
                Arbitraries.strings().withCharRange('!', '~').ofMaxLength(16)).as(UserInformation::new);
    }

    private static Arbitrary<AssociateRq> associateRq() {
        Arbitrary<PresentationContext> context = Combinators.combine(Arbitraries.integers().between(0, 255), uids(),
                uids().list().ofMaxSize(4)).as(PresentationContext::new);
        return Combinators.combine(aeTitles(), aeTitles(), uids(), context.list().ofMaxSize(4), userInformation())
                .as(AssociateRq::new);
    }

    private static Arbitrary<AssociateAc> associateAc() {
        Arbitrary<PresentationContextResult> result = Combinators.combine(Arbitraries.integers().between(0, 255),
                Arbitraries.integers().between(0, 255), optionalUids())
                .as(PresentationContextResult::new);
        return Combinators.combine(aeTitles(), aeTitles(), uids(), result.list().ofMaxSize(4), userInformation())
                .as(AssociateAc::new);
    }

    private static Arbitrary<AssociateRj> associateRj() {
        Arbitrary<Integer> octet = Arbitraries.integers().between(0, 255);
        return Combinators.combine(octet, octet, octet).as(AssociateRj::new);
    }

    private static Arbitrary<Abort> abort() {
        Arbitrary<Integer> octet = Arbitraries.integers().between(0, 255);
        return Combinators.combine(octet, octet).as(Abort::new);
    }

    private static Arbitrary<PDataTf> pData() {
        Arbitrary<Pdv> pdv = Combinators.combine(Arbitraries.integers().between(0, 255), Arbitraries.of(true, false),
                Arbitraries.of(true, false), Arbitraries.bytes().array(byte[].class).ofMaxSize(64)).as(Pdv::new);
        return pdv.list().ofMinSize(1).ofMaxSize(4).map(PDataTf::new);
    }
}
