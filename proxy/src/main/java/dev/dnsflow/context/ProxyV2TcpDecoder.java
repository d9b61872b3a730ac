package dev.dnsflow.context;

import dev.dnsflow.acl.AllowList;
import dev.dnsflow.metrics.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * On a client TCP connection, takes a PROXY v2 header off the front of the stream (dnsdist sends one
 * per connection) and remembers its origin for every query on the connection; then steps out of the
 * pipeline. A header from a sender outside {@code --proxy-protocol-from} closes the connection.
 */
public final class ProxyV2TcpDecoder extends ByteToMessageDecoder {
    public static final AttributeKey<ProxyV2.Header> ORIGIN = AttributeKey.valueOf("dnsflow.proxy-v2");
    private static final int SIGNATURE_LENGTH = 12;

    private final AllowList trusted;
    private final ProxyMetrics metrics;

    /** @param trusted senders whose headers are believed; null when nobody's are */
    public ProxyV2TcpDecoder(AllowList trusted, ProxyMetrics metrics) {
        this.trusted = trusted;
        this.metrics = metrics;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < SIGNATURE_LENGTH) {
            return; // wait: a DNS length prefix plus header is longer than this anyway
        }
        if (!ProxyV2.startsWithSignature(in)) {
            ctx.pipeline().remove(this); // plain DNS over TCP: pass everything on
            return;
        }
        InetSocketAddress sender = (InetSocketAddress) ctx.channel().remoteAddress();
        if (trusted == null || !trusted.allows(sender.getAddress())) {
            metrics.refused("proxy_untrusted");
            in.skipBytes(in.readableBytes());
            ctx.close();
            return;
        }
        ProxyV2.Header header;
        try {
            header = ProxyV2.parse(in);
        } catch (IllegalArgumentException e) {
            metrics.refused("proxy_malformed");
            in.skipBytes(in.readableBytes());
            ctx.close();
            return;
        }
        if (header == null) {
            return;
        }
        in.skipBytes(header.length());
        ctx.channel().attr(ORIGIN).set(header);
        ctx.pipeline().remove(this);
    }
}
