package io.lb4j.healthcheck.net;

import io.lb4j.api.check.CheckResult;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The last handler of a check connection's pipeline: it holds the attempt's verdict, which is decided exactly
 * once (first of: the protocol's answer, the peer closing, an I/O error, the deadline). Whatever the peer sends,
 * the verdict is a {@link CheckResult}; no exception leaves the event loop.
 *
 * <p>Subclasses call {@link #pass()} or {@link #fail(String)} and keep {@link #waitingFor(String)} current, so a
 * timeout or a close says what was missing: {@code "timed out after 5s waiting for A-ASSOCIATE-AC"}. Not part of
 * the public API.
 */
public abstract class ProbeHandler extends ChannelInboundHandlerAdapter {

    private final CompletableFuture<CheckResult> result = new CompletableFuture<>();
    private final Duration timeout;
    private volatile String waitingFor = "connection";
    private ChannelHandlerContext ctx;

    protected ProbeHandler(Duration timeout) {
        this.timeout = timeout;
    }

    /** Completes once with the verdict. */
    public final CompletableFuture<CheckResult> result() {
        return result;
    }

    /** What the attempt waits for now, for timeout and close reasons. */
    protected final void waitingFor(String what) {
        this.waitingFor = what;
    }

    /** The attempt's time budget. */
    protected final Duration timeout() {
        return timeout;
    }

    /** Passes the attempt (if undecided) and runs {@link #afterVerdict}. */
    protected final void pass() {
        decide(CheckResult.ok());
    }

    /** Fails the attempt (if undecided) and runs {@link #afterVerdict}. */
    protected final void fail(String reason) {
        decide(CheckResult.failed(reason));
    }

    /** Whether the verdict is in. */
    protected final boolean decided() {
        return result.isDone();
    }

    final void decide(CheckResult verdict) {
        if (result.complete(verdict) && ctx != null) {
            ChannelHandlerContext c = ctx;
            if (c.executor().inEventLoop()) {
                afterVerdict(c, verdict);
            } else {
                c.executor().execute(() -> afterVerdict(c, verdict));
            }
        }
    }

    /** Called by the connector when the deadline passes. */
    final void timedOut() {
        result.complete(CheckResult.failed("timed out after " + Reasons.format(timeout) + " waiting for " + waitingFor));
    }

    /**
     * Runs on the event loop once the verdict is in; closes the connection. A protocol with a polite goodbye
     * (DICOM A-RELEASE) overrides it; the connector's deadline still closes the connection in the end.
     */
    protected void afterVerdict(ChannelHandlerContext ctx, CheckResult verdict) {
        ctx.close();
    }

    /** Called on the event loop once connected; start the conversation here. */
    protected abstract void connected(ChannelHandlerContext ctx);

    @Override
    public final void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public final void channelActive(ChannelHandlerContext ctx) {
        if (result.isDone()) {
            ctx.close();
            return;
        }
        try {
            connected(ctx);
        } catch (RuntimeException e) {
            fail("cannot start the probe: " + e.getMessage());
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail("connection closed by peer while waiting for " + waitingFor);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(Reasons.describe(cause, timeout) + (waitingFor.equals("connection") ? "" : " while waiting for " + waitingFor));
        ctx.close();
    }
}
