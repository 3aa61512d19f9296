package io.lb4j.healthcheck.dicom;

import io.lb4j.healthcheck.dicom.pdu.MalformedPduException;
import io.lb4j.healthcheck.dicom.pdu.Pdu;
import io.lb4j.healthcheck.dicom.pdu.PduCodec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Splits the byte stream from a peer into {@link Pdu} values. The header is checked as soon as it arrives, so an
 * unknown PDU type or a length above the maximum fails at once instead of waiting for (or buffering) a body that
 * will never be valid. A malformed PDU reaches the next handler as a {@code DecoderException} caused by a
 * {@link MalformedPduException}, after which everything else the peer sends is dropped.
 */
final class PduDecoder extends ByteToMessageDecoder {

    private final int maxPduLength;
    private boolean failed;

    PduDecoder(int maxPduLength) {
        this.maxPduLength = maxPduLength;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws MalformedPduException {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            int header = Math.min(in.readableBytes(), Pdu.HEADER_LENGTH);
            int frame = PduCodec.frameLength(in.nioBuffer(in.readerIndex(), header), maxPduLength);
            if (frame < 0 || in.readableBytes() < frame) {
                return; // wait for the rest
            }
            out.add(PduCodec.decode(in.nioBuffer(in.readerIndex(), frame), maxPduLength));
            in.skipBytes(frame);
        } catch (MalformedPduException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }
}
