package io.lb4j.healthcheck.dicom;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.healthcheck.net.ProbeHandler;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ReferenceCountUtil;

import java.time.Duration;

/**
 * One C-ECHO conversation as a state machine over whole PDUs (the frame decoder in front splits the stream):
 * A-ASSOCIATE-RQ, then C-ECHO-RQ once accepted, then A-RELEASE-RQ once the verdict is in. Runs on the event loop
 * only; anything malformed becomes a failed verdict and an A-ABORT, never an exception.
 */
final class EchoHandler extends ProbeHandler {

    private enum State { AWAIT_ASSOCIATE, AWAIT_ECHO_RSP, AWAIT_RELEASE, DONE }

    private final DicomEchoProbe probe;
    private final int messageId;
    private State state = State.AWAIT_ASSOCIATE;
    private ByteBuf command;

    EchoHandler(DicomEchoProbe probe, Duration timeout, int messageId) {
        super(timeout);
        this.probe = probe;
        this.messageId = messageId;
    }

    @Override
    protected void connected(ChannelHandlerContext ctx) {
        waitingFor("A-ASSOCIATE-AC");
        ctx.writeAndFlush(Pdus.associateRq(ctx.alloc(), probe.callingAeTitle(), probe.calledAeTitle()));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf pdu = (ByteBuf) msg;
        try {
            int type = pdu.getUnsignedByte(0);
            switch (type) {
                case Pdus.A_ASSOCIATE_AC -> onAccept(ctx, pdu);
                case Pdus.A_ASSOCIATE_RJ -> onTerminal(ctx, pdu.readableBytes() >= 10
                        ? Pdus.rejectReason(pdu.getUnsignedByte(7), pdu.getUnsignedByte(8), pdu.getUnsignedByte(9))
                        : "association rejected (short A-ASSOCIATE-RJ)");
                case Pdus.A_ABORT -> onTerminal(ctx, pdu.readableBytes() >= 10
                        ? Pdus.abortReason(pdu.getUnsignedByte(8), pdu.getUnsignedByte(9))
                        : "association aborted by the peer");
                case Pdus.P_DATA_TF -> onData(ctx, pdu);
                case Pdus.A_RELEASE_RP -> {
                    if (state != State.AWAIT_RELEASE) {
                        fail("unexpected A-RELEASE-RP while waiting for " + expected());
                    }
                    state = State.DONE;
                    ctx.close();
                }
                case Pdus.A_RELEASE_RQ -> {
                    // The peer ends the association itself: answer politely, then go.
                    fail("peer requested release before C-ECHO-RSP");
                    state = State.DONE;
                    ctx.writeAndFlush(Pdus.releaseRp(ctx.alloc())).addListener(ChannelFutureListener.CLOSE);
                }
                default -> protocolError(ctx, "unexpected " + Pdus.pduName(type) + " while waiting for " + expected());
            }
        } catch (IndexOutOfBoundsException e) {
            protocolError(ctx, "malformed PDU from peer while waiting for " + expected());
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private String expected() {
        return switch (state) {
            case AWAIT_ASSOCIATE -> "A-ASSOCIATE-AC";
            case AWAIT_ECHO_RSP -> "C-ECHO-RSP";
            case AWAIT_RELEASE -> "A-RELEASE-RP";
            case DONE -> "nothing";
        };
    }

    private void onAccept(ChannelHandlerContext ctx, ByteBuf pdu) {
        if (state != State.AWAIT_ASSOCIATE) {
            protocolError(ctx, "unexpected A-ASSOCIATE-AC while waiting for " + expected());
            return;
        }
        // Variable items start after the fixed part: version, reserved, two AE titles, 32 reserved bytes.
        int i = Pdus.HEADER_LENGTH + 68;
        int end = Pdus.HEADER_LENGTH + (int) Math.min(pdu.getUnsignedInt(Pdus.LENGTH_OFFSET), pdu.readableBytes());
        int pcResult = -1;
        while (i + 4 <= end) {
            int itemType = pdu.getUnsignedByte(i);
            int itemLength = pdu.getUnsignedShort(i + 2);
            if (itemType == 0x21 && itemLength >= 4 && pdu.getUnsignedByte(i + 4) == Pdus.PRESENTATION_CONTEXT_ID) {
                pcResult = pdu.getUnsignedByte(i + 6);
            }
            i += 4 + itemLength;
        }
        if (pcResult != 0) {
            state = State.AWAIT_RELEASE;
            fail(pcResult < 0 ? "association accepted without the Verification presentation context"
                    : "Verification SOP Class not accepted: " + Pdus.presentationReason(pcResult));
            return;
        }
        state = State.AWAIT_ECHO_RSP;
        waitingFor("C-ECHO-RSP");
        ctx.writeAndFlush(Pdus.echoRq(ctx.alloc(), messageId));
    }

    private void onData(ChannelHandlerContext ctx, ByteBuf pdu) {
        if (state == State.AWAIT_RELEASE || state == State.DONE) {
            return; // late data after the verdict changes nothing
        }
        if (state != State.AWAIT_ECHO_RSP) {
            protocolError(ctx, "unexpected P-DATA-TF while waiting for " + expected());
            return;
        }
        int i = Pdus.HEADER_LENGTH;
        int end = pdu.readableBytes();
        while (i + 6 <= end) {
            long itemLength = pdu.getUnsignedInt(i);
            if (itemLength < 2 || i + 4 + itemLength > end) {
                protocolError(ctx, "malformed PDV item in P-DATA-TF");
                return;
            }
            int header = pdu.getUnsignedByte(i + 5);
            if ((header & 0x01) != 0) { // command fragment; a data set cannot follow a C-ECHO-RSP
                if (command == null) {
                    command = ctx.alloc().buffer();
                }
                if (command.readableBytes() + itemLength > Pdus.MAX_PDU_LENGTH * 4L) {
                    protocolError(ctx, "command set too long");
                    return;
                }
                command.writeBytes(pdu, i + 6, (int) itemLength - 2);
                if ((header & 0x02) != 0) {
                    onCommand(ctx);
                    return;
                }
            }
            i += 4 + (int) itemLength;
        }
    }

    private void onCommand(ChannelHandlerContext ctx) {
        int commandField = -1;
        int respondedTo = -1;
        int status = -1;
        ByteBuf c = command;
        try {
            while (c.readableBytes() >= 8) {
                int group = c.readUnsignedShortLE();
                int element = c.readUnsignedShortLE();
                long length = c.readUnsignedIntLE();
                if (length > c.readableBytes()) {
                    break;
                }
                if (group == 0 && length == 2) {
                    int value = c.getUnsignedShortLE(c.readerIndex());
                    switch (element) {
                        case 0x0100 -> commandField = value;
                        case 0x0120 -> respondedTo = value;
                        case 0x0900 -> status = value;
                        default -> { }
                    }
                }
                c.skipBytes((int) length);
            }
        } finally {
            c.release();
            command = null;
        }
        state = State.AWAIT_RELEASE;
        if (commandField != Pdus.C_ECHO_RSP) {
            fail(commandField < 0 ? "DIMSE response without a command field"
                    : String.format("unexpected DIMSE command 0x%04X (expected: C-ECHO-RSP 0x8030)", commandField));
        } else if (respondedTo >= 0 && respondedTo != messageId) {
            fail("C-ECHO-RSP answers message " + respondedTo + " (expected: " + messageId + ")");
        } else if (status < 0) {
            fail("C-ECHO-RSP without a status");
        } else if (status != 0) {
            fail(String.format("C-ECHO failed: status 0x%04X", status));
        } else {
            pass();
        }
    }

    private void onTerminal(ChannelHandlerContext ctx, String reason) {
        state = State.DONE;
        fail(reason);
        ctx.close();
    }

    private void protocolError(ChannelHandlerContext ctx, String reason) {
        state = State.DONE;
        fail(reason);
        ctx.writeAndFlush(Pdus.abort(ctx.alloc())).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    protected void afterVerdict(ChannelHandlerContext ctx, CheckResult verdict) {
        if (state == State.AWAIT_RELEASE) {
            // The association is up: release it, as a well-behaved SCU does, so the PACS logs no abort.
            waitingFor("A-RELEASE-RP");
            ctx.writeAndFlush(Pdus.releaseRq(ctx.alloc()));
            ctx.channel().eventLoop().schedule(() -> ctx.close(), Math.max(1, timeout().toMillis()),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
            return;
        }
        if (state == State.AWAIT_ASSOCIATE || state == State.AWAIT_ECHO_RSP) {
            // Timed out mid-conversation: tell the peer before closing.
            state = State.DONE;
            ctx.writeAndFlush(Pdus.abort(ctx.alloc())).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (command != null) {
            command.release();
            command = null;
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            protocolError(ctx, "PDU too long from peer while waiting for " + expected());
            return;
        }
        super.exceptionCaught(ctx, cause);
    }
}
