package io.lb4j.healthcheck.hl7;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;

import java.util.List;

/**
 * Splits an MLLP stream into HL7 messages: {@code 0x0B message 0x1C 0x0D}. Bytes before a start block are
 * skipped; a message longer than the limit is an error rather than unbounded buffering.
 */
final class MllpFrameDecoder extends ByteToMessageDecoder {

    static final byte START_BLOCK = 0x0B;
    static final byte END_BLOCK = 0x1C;
    static final byte CARRIAGE_RETURN = 0x0D;

    private final int maxLength;

    MllpFrameDecoder(int maxLength) {
        this.maxLength = maxLength;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int start = in.indexOf(in.readerIndex(), in.writerIndex(), START_BLOCK);
        if (start < 0) {
            in.skipBytes(in.readableBytes());
            return;
        }
        in.readerIndex(start);
        for (int i = start + 1; i + 1 < in.writerIndex(); i++) {
            if (in.getByte(i) == END_BLOCK && in.getByte(i + 1) == CARRIAGE_RETURN) {
                out.add(in.retainedSlice(start + 1, i - start - 1));
                in.readerIndex(i + 2);
                return;
            }
        }
        if (in.readableBytes() > maxLength) {
            in.skipBytes(in.readableBytes());
            throw new TooLongFrameException("HL7 message longer than " + maxLength + " bytes");
        }
    }
}
