package io.lb4j.healthcheck.hl7;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.Hl7Probe;
import io.lb4j.api.check.Probe;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.HealthCheckStrategy;
import io.lb4j.healthcheck.net.CheckTransport;
import io.lb4j.healthcheck.net.PerPort;
import io.lb4j.healthcheck.net.ProbeConnector;
import io.lb4j.healthcheck.net.ProbeHandler;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs {@link Hl7Probe}: on each checked port, the template with a fresh control ID in an MLLP frame; passes only
 * on an ACK with MSA-1 {@code AA} or {@code CA} and MSA-2 equal to the control ID sent. {@code AE}, {@code AR},
 * another control ID, garbage or silence fail with a reason that says which, e.g.
 * {@code "port 1001: HL7 AE (application error): unknown patient"}.
 *
 * <p>Non-blocking: one Netty pipeline per port on the check event loop. Thread-safe; found by
 * {@link java.util.ServiceLoader}.
 */
public final class Hl7Strategy implements HealthCheckStrategy {

    private static final int MAX_ACK = 1 << 20;

    private final CheckTransport transport;
    private final String instance = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 4);
    private final AtomicLong sequence = new AtomicLong();

    /** On the JVM-wide check event loop. */
    public Hl7Strategy() {
        this(CheckTransport.shared());
    }

    /** On the given event loop. */
    public Hl7Strategy(CheckTransport transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
    }

    @Override
    public boolean supports(Probe probe) {
        return probe instanceof Hl7Probe;
    }

    @Override
    public CompletionStage<CheckResult> check(Probe probe, CheckTarget target, CheckContext context) {
        Hl7Probe hl7 = (Hl7Probe) probe;
        return PerPort.all(target.ports(), context.clock(), port -> {
            // At most 20 characters (MSH-10 is ST 20 in v2.x): "LB4J", a per-strategy tag and a counter.
            String controlId = "LB4J" + instance + Long.toString(sequence.incrementAndGet(), 36);
            String message = Hl7Messages.fill(hl7.template(), controlId, context.clock().now());
            AckHandler handler = new AckHandler(target.timeout(), message, controlId);
            return ProbeConnector.run(transport, context.clock(), new InetSocketAddress(target.address(), port),
                    target.timeout(), handler, ch -> ch.pipeline().addLast(new MllpFrameDecoder(MAX_ACK)).addLast(handler));
        });
    }

    /** Sends one framed message and judges the first framed reply. */
    private static final class AckHandler extends ProbeHandler {
        private final String message;
        private final String controlId;

        AckHandler(Duration timeout, String message, String controlId) {
            super(timeout);
            this.message = message;
            this.controlId = controlId;
        }

        @Override
        protected void connected(ChannelHandlerContext ctx) {
            waitingFor("HL7 ACK");
            byte[] body = message.getBytes(StandardCharsets.UTF_8);
            ByteBuf frame = ctx.alloc().buffer(body.length + 3);
            frame.writeByte(MllpFrameDecoder.START_BLOCK).writeBytes(body)
                    .writeByte(MllpFrameDecoder.END_BLOCK).writeByte(MllpFrameDecoder.CARRIAGE_RETURN);
            ctx.writeAndFlush(frame);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                String ack = ((ByteBuf) msg).toString(StandardCharsets.UTF_8);
                String why = Hl7Messages.verdict(ack, controlId);
                if (why == null) {
                    pass();
                } else {
                    fail(why);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof TooLongFrameException || cause.getCause() instanceof TooLongFrameException) {
                fail("HL7 reply longer than " + MAX_ACK + " bytes");
                ctx.close();
                return;
            }
            super.exceptionCaught(ctx, cause);
        }
    }

}
