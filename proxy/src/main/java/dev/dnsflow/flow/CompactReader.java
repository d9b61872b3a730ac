package dev.dnsflow.flow;

/**
 * Reads what {@link CompactWriter} wrote. Bytes that are not what was written end in an
 * {@link IllegalStateException}, never in a read outside the flow's record or a huge allocation.
 */
public interface CompactReader {
    int readByte();

    int readVarint();

    long readSigned();

    Integer readNullableInt();

    long readFixedLong();

    byte[] readBytes();

    String readString();

    String readNullableString();
}
