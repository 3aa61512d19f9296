package io.lb4j.healthcheck.agent;

import io.lb4j.api.check.AgentProbe;
import io.lb4j.healthcheck.net.ProbeHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * Reads one agent reply: everything up to the first line end, or up to the agent closing the connection; at most
 * {@link AgentReply#MAX_LENGTH} bytes. Runs on the event loop only. The reply, once read, is in {@link #reply()};
 * the handler's verdict only closes the connection.
 */
final class AgentHandler extends ProbeHandler {

    private final AgentProbe probe;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private volatile String reply;

    AgentHandler(AgentProbe probe, Duration timeout) {
        super(timeout);
        this.probe = probe;
    }

    /** The reply read, or empty when the agent said nothing. */
    Optional<String> reply() {
        return Optional.ofNullable(reply);
    }

    @Override
    protected void connected(ChannelHandlerContext ctx) {
        waitingFor("agent reply");
        if (!probe.send().isEmpty()) {
            ctx.writeAndFlush(Unpooled.copiedBuffer(probe.send(), StandardCharsets.ISO_8859_1));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            while (in.isReadable() && !decided()) {
                byte b = in.readByte();
                if (b == '\n' || b == '\r') {
                    if (line.size() > 0) {
                        finish();
                    }
                } else if (line.size() >= AgentReply.MAX_LENGTH) {
                    finish(); // too long: what was read is judged (and refused) as it is
                } else {
                    line.write(b);
                }
            }
        } finally {
            in.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (line.size() > 0 && !decided()) {
            finish(); // a reply without a line end, then close: the Loadbalancer.org agent's way
        }
        super.channelInactive(ctx);
    }

    private void finish() {
        reply = line.toString(StandardCharsets.ISO_8859_1);
        pass();
    }
}
