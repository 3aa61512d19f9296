package io.lb4j.healthcheck.dicom;

import io.lb4j.api.check.CheckResult;
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
import io.lb4j.healthcheck.net.Reasons;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One DICOM check conversation as a state machine over whole PDUs (the {@link PduDecoder} in front decodes them):
 * A-ASSOCIATE-RQ, then the {@link DimseExchange}'s request once accepted, its responses until it has a verdict, then
 * A-RELEASE-RQ. Behind TLS the {@code SslHandler} holds the first write until the handshake is done, and a failed
 * handshake is the verdict. Runs on the event loop only; anything malformed becomes a failed verdict and an A-ABORT,
 * never an exception.
 */
final class DimseHandler extends ProbeHandler {

    /** The largest PDU length we announce and accept; a C-ECHO-RSP is about 100 bytes, a C-FIND match a few hundred. */
    static final int MAX_PDU_LENGTH = 16384;

    private enum State { AWAIT_ASSOCIATE, AWAIT_RSP, AWAIT_RELEASE, DONE }

    private final DimseExchange exchange;
    private final String callingAeTitle;
    private final String calledAeTitle;
    private final boolean tls;
    private final int messageId;
    private final CommandAssembler commands = new CommandAssembler(MAX_PDU_LENGTH);
    private State state = State.AWAIT_ASSOCIATE;

    DimseHandler(DimseExchange exchange, String callingAeTitle, String calledAeTitle, boolean tls, Duration timeout,
                 int messageId) {
        super(timeout);
        this.exchange = exchange;
        this.callingAeTitle = callingAeTitle;
        this.calledAeTitle = calledAeTitle;
        this.tls = tls;
        this.messageId = messageId;
    }

    @Override
    protected void connected(ChannelHandlerContext ctx) {
        waitingFor(tls ? "TLS handshake and A-ASSOCIATE-AC" : "A-ASSOCIATE-AC");
        send(ctx, AssociateRq.proposing(exchange.sopClassUid(), calledAeTitle, callingAeTitle,
                UserInformation.lb4j(MAX_PDU_LENGTH, UserInformation.LB4J_VERSION_NAME)));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent e) {
            if (e.isSuccess()) {
                waitingFor("A-ASSOCIATE-AC");
            } else {
                state = State.DONE;
                fail(Reasons.describe(e.cause(), timeout()));
            }
        }
        ctx.fireUserEventTriggered(evt);
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
                fail("peer requested release before " + exchange.responseName());
                state = State.DONE;
                send(ctx, new ReleaseRp()).addListener(ChannelFutureListener.CLOSE);
            }
            case AssociateRq rq -> unexpected(ctx, rq);
        }
    }

    private String expected() {
        return switch (state) {
            case AWAIT_ASSOCIATE -> "A-ASSOCIATE-AC";
            case AWAIT_RSP -> exchange.responseName();
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
            fail(result.map(r -> exchange.sopClassName() + " not accepted: " + r.describe())
                    .orElse("association accepted without the " + exchange.sopClassName() + " presentation context"));
            return;
        }
        state = State.AWAIT_RSP;
        waitingFor(exchange.responseName());
        for (PDataTf request : exchange.request(AssociateRq.VERIFICATION_CONTEXT_ID, messageId)) {
            send(ctx, request);
        }
    }

    private void onData(ChannelHandlerContext ctx, PDataTf data) {
        if (state == State.AWAIT_RELEASE || state == State.DONE) {
            return; // late data after the verdict changes nothing
        }
        if (state != State.AWAIT_RSP) {
            unexpected(ctx, data);
            return;
        }
        try {
            // One P-DATA-TF may carry several responses (C-FIND pending ones with their identifiers).
            for (Pdv pdv : data.pdvs()) {
                Optional<CommandSet> command = commands.add(pdv);
                if (command.isPresent()) {
                    onCommand(command.get());
                    if (state != State.AWAIT_RSP) {
                        return;
                    }
                }
            }
        } catch (MalformedPduException e) {
            protocolError(ctx, Abort.byProvider(e.abortReason()), e.getMessage());
        }
    }

    private void onCommand(CommandSet c) {
        String name = exchange.responseName();
        String failure = null;
        if (c.commandField() != exchange.responseField()) {
            failure = String.format("unexpected DIMSE command 0x%04X (expected: %s 0x%04X)", c.commandField(), name,
                    exchange.responseField());
        } else if (c.messageIdBeingRespondedTo() != CommandSet.ABSENT && c.messageIdBeingRespondedTo() != messageId) {
            failure = name + " answers message " + c.messageIdBeingRespondedTo() + " (expected: " + messageId + ")";
        } else if (c.status() == CommandSet.ABSENT) {
            failure = name + " without a status";
        }
        if (failure != null) {
            state = State.AWAIT_RELEASE;
            fail(failure);
            return;
        }
        Optional<CheckResult> verdict = exchange.onResponse(c);
        if (verdict.isPresent()) {
            state = State.AWAIT_RELEASE;
            if (verdict.get().healthy()) {
                pass();
            } else {
                fail(verdict.get().reason());
            }
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
        if (state == State.AWAIT_ASSOCIATE || state == State.AWAIT_RSP) {
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
