package dev.dnsflow.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dnsflow.testing.Wire;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

class NamesTest {

    private static ByteBuf message(int... nameBytes) {
        int[] all = new int[12 + nameBytes.length];
        System.arraycopy(nameBytes, 0, all, 12, nameBytes.length);
        return Wire.buf(all);
    }

    @Test
    void printsNamesLikeDig() {
        ByteBuf m = message(3, 'w', 'w', 'w', 2, 'a', '.', 1, 0x07, 0);
        try {
            assertThat(Names.toText(m, 0, 12, m.writerIndex())).isEqualTo("www.a\\..\\007.");
            assertThat(Names.skip(m, 0, 12, m.writerIndex())).isEqualTo(m.writerIndex());
        } finally {
            m.release();
        }
    }

    @Test
    void printsTheRootAsDot() {
        ByteBuf m = message(0);
        try {
            assertThat(Names.toText(m, 0, 12, 13)).isEqualTo(".");
        } finally {
            m.release();
        }
    }

    @Test
    void followsBackwardPointersOnly() {
        // 12: "com" 0 ; 17: "a" -> pointer to 12 ; 21: pointer forward to 23 (invalid)
        ByteBuf m = message(3, 'c', 'o', 'm', 0, 1, 'a', 0xC0, 12, 0xC0, 23, 0);
        try {
            assertThat(Names.skip(m, 0, 17, m.writerIndex())).isEqualTo(21);
            assertThat(Names.toText(m, 0, 17, m.writerIndex())).isEqualTo("a.com.");
            assertThat(Names.skip(m, 0, 21, m.writerIndex())).isEqualTo(Names.INVALID);
        } finally {
            m.release();
        }
    }

    @Test
    void rejectsNamesLongerThan255Bytes() {
        int[] name = new int[5 * 64 + 1];
        for (int label = 0; label < 5; label++) {
            name[label * 64] = 63;
            for (int i = 1; i < 64; i++) {
                name[label * 64 + i] = 'x';
            }
        }
        ByteBuf m = message(name);
        try {
            assertThat(Names.skip(m, 0, 12, m.writerIndex())).isEqualTo(Names.INVALID);
        } finally {
            m.release();
        }
    }

    @Test
    void comparesNamesWithoutCase() {
        ByteBuf a = message(3, 'C', 'o', 'M', 0);
        ByteBuf b = message(3, 'c', 'O', 'm', 0);
        ByteBuf c = message(3, 'c', 'o', 'n', 0);
        try {
            assertThat(Names.equalsIgnoreCase(a, 12, b, 12, 5)).isTrue();
            assertThat(Names.equalsIgnoreCase(a, 12, c, 12, 5)).isFalse();
        } finally {
            a.release();
            b.release();
            c.release();
        }
    }
}
