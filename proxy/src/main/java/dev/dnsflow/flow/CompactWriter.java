package dev.dnsflow.flow;

/**
 * The ring's compact encoding of a flow, as a {@link FlowExtension} writes its value into it (the ring
 * itself lives in {@code record}, which implements this). In memory only: no version, no compatibility
 * promise. What {@link CompactReader} reads back, in the same order.
 */
public interface CompactWriter {
    void writeByte(int b);

    /** An int as unsigned LEB128: small numbers take one or two bytes; any int round-trips. */
    void writeVarint(int v);

    /** Zig-zag, so small negative numbers stay small too. */
    void writeSigned(long v);

    /** 0 for null, else the zig-zagged value + 1. */
    void writeNullableInt(Integer v);

    void writeFixedLong(long v);

    /** A length, then the bytes. */
    void writeBytes(byte[] b);

    void writeString(String s);

    void writeNullableString(String s);
}
