package dev.dnsflow.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The guard itself must see a leak, or a green build proves nothing about buffers. */
class LeakGuardTest {

    @Test
    void reportsABufferDroppedWithoutRelease() throws InterruptedException {
        LeakGuard.collect(); // start clean
        leak();
        assertThat(LeakGuard.collect()).anySatisfy(report -> assertThat(report).contains("leaked"));
    }

    private static void leak() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        b.writeLong(42);
        // no release: the guard has to notice once the buffer is collected
    }
}
