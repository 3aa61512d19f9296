package io.lb4j.healthcheck.http;

import io.lb4j.api.check.HttpProbe;
import io.lb4j.healthcheck.net.ProbeHandler;
import io.lb4j.healthcheck.net.Reasons;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Sends one request and judges the response: status first, then (if asked) the body's first 64 KiB. */
final class ResponseHandler extends ProbeHandler {

    static final int MAX_BODY = 64 * 1024;

    private final HttpProbe probe;
    private final String hostHeader;
    private final Pattern bodyPattern;
    private ByteBuf body;
    private int status;

    ResponseHandler(HttpProbe probe, Duration timeout, String hostHeader) {
        super(timeout);
        this.probe = probe;
        this.hostHeader = hostHeader;
        this.bodyPattern = probe.bodyPattern().map(Pattern::compile).orElse(null);
    }

    @Override
    protected void connected(ChannelHandlerContext ctx) {
        // With TLS the SslHandler holds this write until the handshake is done.
        waitingFor(probe.tls() ? "TLS handshake and HTTP response" : "HTTP response");
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(probe.method()), probe.path());
        request.headers().set(HttpHeaderNames.HOST, hostHeader)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set(HttpHeaderNames.USER_AGENT, "lb4j-healthcheck")
                .set(HttpHeaderNames.ACCEPT, "*/*")
                .set(HttpHeaderNames.CONTENT_LENGTH, 0);
        ctx.writeAndFlush(request);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent e) {
            if (e.isSuccess()) {
                waitingFor("HTTP response");
            } else {
                fail(Reasons.describe(e.cause(), timeout()));
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (decided()) {
                return;
            }
            HttpObject object = (HttpObject) msg;
            if (object.decoderResult().isFailure()) {
                fail("malformed HTTP response: " + object.decoderResult().cause().getMessage());
                return;
            }
            if (msg instanceof HttpResponse response) {
                status = response.status().code();
                if (!probe.expectedStatus().contains(status)) {
                    fail("status " + status + " (expected: " + new TreeSet<>(probe.expectedStatus()) + ")");
                    return;
                }
                if (bodyPattern == null) {
                    pass();
                    return;
                }
                body = ctx.alloc().buffer();
                waitingFor("HTTP response body");
            }
            if (msg instanceof HttpContent content && body != null) {
                ByteBuf chunk = content.content();
                body.writeBytes(chunk, chunk.readerIndex(), Math.min(chunk.readableBytes(), MAX_BODY - body.readableBytes()));
                if (msg instanceof LastHttpContent || body.readableBytes() >= MAX_BODY) {
                    judgeBody();
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void judgeBody() {
        String text = body.toString(StandardCharsets.UTF_8);
        if (bodyPattern.matcher(text).find()) {
            pass();
        } else {
            fail("status " + status + " but body does not match /" + bodyPattern.pattern() + "/"
                    + (body.readableBytes() >= MAX_BODY ? " in its first 64 KiB" : "") + ": \"" + Reasons.preview(text, 80) + "\"");
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (body != null) {
            if (!decided()) {
                judgeBody(); // a body delimited by the connection's close
            }
            body.release();
            body = null;
        }
        super.channelInactive(ctx);
    }
}
