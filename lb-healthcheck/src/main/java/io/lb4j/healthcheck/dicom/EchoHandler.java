package io.lb4j.healthcheck.dicom;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.healthcheck.dicom.pdu.Abort;
import io.lb4j.healthcheck.dicom.pdu.AssociateAc;
import io.lb4j.healthcheck.dicom.pdu.AssociateRj;
import io.lb4j.healthcheck.dicom.pdu.AssociateRq;
import io.lb4j.healthcheck.dicom.pdu.CommandAssembler;
import io.lb4j.healthcheck.dicom.pdu.CommandSet;
import io.lb4j.healthcheck.dicom.pdu.MalformedPduException;
import io.lb4j.healthcheck.dicom.pdu.PDataTf;
import io.lb4j.healthcheck.dicom.pdu.Pdu;
import io.lb4j.healthcheck.dicom.pdu.Pdv;
import io.lb4j.healthcheck.dicom.pdu.PresentationContextResult;
import io.lb4j.healthcheck.dicom.pdu.ReleaseRp;
import io.lb4j.healthcheck.dicom.pdu.ReleaseRq;
import io.lb4j.healthcheck.dicom.pdu.UserInformation;
import io.lb4j.healthcheck.net.ProbeHandler;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One C-ECHO conversation as a state machine over whole PDUs (the {@link PduDecoder} in front decodes them):
 * A-ASSOCIATE-RQ, then C-ECHO-RQ once accepted, then A-RELEASE-RQ once the verdict is in. Runs on the event loop
 * only; anything malformed becomes a failed verdict and an A-ABORT, never an exception.
 */
final class EchoHandler extends ProbeHandler {

    /** The largest PDU length we announce and accept; a C-ECHO-RSP is about 100 bytes. */
    static final int MAX_PDU_LENGTH = 16384;

    private enum State { AWAIT_ASSOCIATE, AWAIT_ECHO_RSP, AWAIT_RELEASE, DONE }

    private final DicomEchoProbe probe;
    private final int messageId;
    private final CommandAssembler commands = new CommandAssembler(MAX_PDU_LENGTH);
    private State state = State.AWAIT_ASSOCIATE;

    EchoHandler(DicomEchoProbe probe, Duration timeout, int messageId) {
        super(timeout);
        this.probe = probe;
        this.messageId = messageId;
    }

    @Override
    protected void connected(ChannelHandlerContext ctx) {
        waitingFor("A-ASSOCIATE-AC");
        send(ctx, AssociateRq.verification(probe.calledAeTitle(), probe.callingAeTitle(),
                UserInformation.lb4j(MAX_PDU_LENGTH, UserInformation.LB4J_VERSION_NAME)));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch ((Pdu) msg) {
            case AssociateAc ac -> onAccept(ctx, ac);
            case AssociateRj rj -> onTerminal(ctx, rj.describe());
            case Abort abort -> onTerminal(ctx, abort.describe());
            case PDataTf data -> onData(ctx, data);
            case ReleaseRp _ -> {
                if (state != State.AWAIT_RELEASE) {
                    fail("unexpected A-RELEASE-RP while waiting for " + expected());
                }
                state = State.DONE;
                ctx.close();
            }
            case ReleaseRq _ -> {
                // The peer ends the association itself: answer politely, then go.
                fail("peer requested release before C-ECHO-RSP");
                state = State.DONE;
                send(ctx, new ReleaseRp()).addListener(ChannelFutureListener.CLOSE);
            }
            case AssociateRq rq -> unexpected(ctx, rq);
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

    private void onAccept(ChannelHandlerContext ctx, AssociateAc ac) {
        if (state != State.AWAIT_ASSOCIATE) {
            unexpected(ctx, ac);
            return;
        }
        Optional<PresentationContextResult> result = ac.result(AssociateRq.VERIFICATION_CONTEXT_ID);
        if (result.isEmpty() || !result.get().accepted()) {
            state = State.AWAIT_RELEASE;
            fail(result.map(r -> "Verification SOP Class not accepted: " + r.describe())
                    .orElse("association accepted without the Verification presentation context"));
            return;
        }
        state = State.AWAIT_ECHO_RSP;
        waitingFor("C-ECHO-RSP");
        send(ctx, PDataTf.command(AssociateRq.VERIFICATION_CONTEXT_ID, CommandSet.echoRq(messageId)));
    }

    private void onData(ChannelHandlerContext ctx, PDataTf data) {
        if (state == State.AWAIT_RELEASE || state == State.DONE) {
            return; // late data after the verdict changes nothing
        }
        if (state != State.AWAIT_ECHO_RSP) {
            unexpected(ctx, data);
            return;
        }
        try {
            for (Pdv pdv : data.pdvs()) {
                Optional<CommandSet> command = commands.add(pdv);
                if (command.isPresent()) {
                    onCommand(command.get());
                    return;
                }
            }
        } catch (MalformedPduException e) {
            protocolError(ctx, Abort.byProvider(e.abortReason()), e.getMessage());
        }
    }

    private void onCommand(CommandSet c) {
        state = State.AWAIT_RELEASE;
        if (c.commandField() != CommandSet.C_ECHO_RSP) {
            fail(String.format("unexpected DIMSE command 0x%04X (expected: C-ECHO-RSP 0x8030)", c.commandField()));
        } else if (c.messageIdBeingRespondedTo() != CommandSet.ABSENT && c.messageIdBeingRespondedTo() != messageId) {
            fail("C-ECHO-RSP answers message " + c.messageIdBeingRespondedTo() + " (expected: " + messageId + ")");
        } else if (c.status() == CommandSet.ABSENT) {
            fail("C-ECHO-RSP without a status");
        } else if (c.status() != CommandSet.SUCCESS) {
            fail(String.format("C-ECHO failed: status 0x%04X", c.status()));
        } else {
            pass();
        }
    }

    private void onTerminal(ChannelHandlerContext ctx, String reason) {
        state = State.DONE;
        fail(reason);
        ctx.close();
    }

    private void unexpected(ChannelHandlerContext ctx, Pdu pdu) {
        protocolError(ctx, Abort.byProvider(Abort.UNEXPECTED_PDU),
                "unexpected " + Pdu.name(pdu.type()) + " while waiting for " + expected());
    }

    private void protocolError(ChannelHandlerContext ctx, Abort abort, String reason) {
        state = State.DONE;
        fail(reason);
        send(ctx, abort).addListener(ChannelFutureListener.CLOSE);
    }

    private static ChannelFuture send(ChannelHandlerContext ctx, Pdu pdu) {
        return ctx.writeAndFlush(Unpooled.wrappedBuffer(pdu.encode()));
    }

    @Override
    protected void afterVerdict(ChannelHandlerContext ctx, CheckResult verdict) {
        if (state == State.AWAIT_RELEASE) {
            // The association is up: release it, as a well-behaved SCU does, so the PACS logs no abort.
            waitingFor("A-RELEASE-RP");
            send(ctx, new ReleaseRq());
            ctx.channel().eventLoop().schedule(() -> ctx.close(), Math.max(1, timeout().toMillis()),
                    TimeUnit.MILLISECONDS);
            return;
        }
        if (state == State.AWAIT_ASSOCIATE || state == State.AWAIT_ECHO_RSP) {
            // Timed out mid-conversation: tell the peer before closing.
            state = State.DONE;
            send(ctx, Abort.byUser()).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException && cause.getCause() instanceof MalformedPduException e) {
            protocolError(ctx, Abort.byProvider(e.abortReason()), e.getMessage() + " while waiting for " + expected());
            return;
        }
        super.exceptionCaught(ctx, cause);
    }
}
