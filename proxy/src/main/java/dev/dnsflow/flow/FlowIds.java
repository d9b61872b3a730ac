package dev.dnsflow.flow;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * Flow IDs: 26 Crockford base32 characters, like a ULID. 48 bits of milliseconds first, so IDs sort
 * by time; then 16 bits fixed per process (IDs from several dnsflow instances do not collide),
 * 8 bits naming the generator and a 56-bit counter. One generator per thread, never shared, so
 * making an ID takes no lock.
 */
public final class FlowIds {
    private static final byte[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".getBytes(StandardCharsets.US_ASCII);
    private static final int PROCESS = new SecureRandom().nextInt() & 0xFFFF;

    private final long prefix;
    private long counter;
    /**
     * The digits, written here and then copied once into the string: ASCII bytes make a compact string directly
     * (a char[] was copied twice: into the string, then compressed to bytes), and the array is reused, so an ID costs
     * only its string (72 instead of 144 bytes per flow, on the event loop).
     */
    private final byte[] digits = new byte[26];

    /** @param generator distinguishes generators within one process (0 to 255) */
    public FlowIds(int generator) {
        this.prefix = ((long) PROCESS << 8) | (generator & 0xFF);
    }

    public String next(long epochMillis) {
        long high = (epochMillis << 16) | (prefix >>> 8);
        long low = ((prefix & 0xFF) << 56) | (counter++ & 0x00FF_FFFF_FFFF_FFFFL);
        // 128 bits as 26 base32 digits: the first digit holds the top 3 bits.
        for (int i = 25; i >= 0; i--) {
            digits[i] = ALPHABET[(int) (low & 31)];
            low = (low >>> 5) | (high << 59);
            high >>>= 5;
        }
        return new String(digits, StandardCharsets.ISO_8859_1);
    }
}
