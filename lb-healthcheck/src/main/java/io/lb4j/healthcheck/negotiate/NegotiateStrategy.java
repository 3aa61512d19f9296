package io.lb4j.healthcheck.negotiate;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.NegotiateProbe;
import io.lb4j.api.check.Probe;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.HealthCheckStrategy;
import io.lb4j.healthcheck.net.CheckTransport;
import io.lb4j.healthcheck.net.PerPort;
import io.lb4j.healthcheck.net.ProbeConnector;
import io.lb4j.healthcheck.net.ProbeHandler;
import io.lb4j.healthcheck.net.Reasons;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * Runs {@link NegotiateProbe}: on each checked port, send the bytes, then search what comes back (its first
 * 64 KiB) for the pattern; passes on the first match. Closing or falling silent without a match fails with a
 * preview of what was received. Non-blocking; thread-safe; found by {@link java.util.ServiceLoader}.
 */
public final class NegotiateStrategy implements HealthCheckStrategy {

    static final int MAX_REPLY = 64 * 1024;

    private final CheckTransport transport;

    /** On the JVM-wide check event loop. */
    public NegotiateStrategy() {
        this(CheckTransport.shared());
    }

    /** On the given event loop. */
    public NegotiateStrategy(CheckTransport transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
    }

    @Override
    public boolean supports(Probe probe) {
        return probe instanceof NegotiateProbe;
    }

    @Override
    public CompletionStage<CheckResult> check(Probe probe, CheckTarget target, CheckContext context) {
        NegotiateProbe negotiate = (NegotiateProbe) probe;
        Pattern expect = Pattern.compile(negotiate.expect());
        byte[] send = negotiate.send().getBytes(StandardCharsets.ISO_8859_1);
        return PerPort.all(target.ports(), context.clock(), port -> {
            ReplyHandler handler = new ReplyHandler(target.timeout(), send, expect);
            return ProbeConnector.run(transport, context.clock(), new InetSocketAddress(target.address(), port),
                    target.timeout(), handler, ch -> ch.pipeline().addLast(handler));
        });
    }

    private static final class ReplyHandler extends ProbeHandler {
        private final byte[] send;
        private final Pattern expect;
        private final StringBuilder reply = new StringBuilder();

        ReplyHandler(Duration timeout, byte[] send, Pattern expect) {
            super(timeout);
            this.send = send;
            this.expect = expect;
        }

        @Override
        protected void connected(ChannelHandlerContext ctx) {
            waitingFor("a reply matching /" + expect.pattern() + "/");
            if (send.length > 0) {
                ctx.writeAndFlush(Unpooled.wrappedBuffer(send));
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (decided()) {
                    return;
                }
                ByteBuf in = (ByteBuf) msg;
                int take = Math.min(in.readableBytes(), MAX_REPLY - reply.length());
                reply.append(in.toString(in.readerIndex(), take, StandardCharsets.ISO_8859_1));
                if (expect.matcher(reply).find()) {
                    pass();
                } else if (reply.length() >= MAX_REPLY) {
                    fail("no match for /" + expect.pattern() + "/ in the first 64 KiB: \"" + Reasons.preview(reply, 80) + "\"");
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail("connection closed without a match for /" + expect.pattern() + "/ in " + reply.length()
                    + " bytes received: \"" + Reasons.preview(reply, 80) + "\"");
            super.channelInactive(ctx);
        }
    }
}
