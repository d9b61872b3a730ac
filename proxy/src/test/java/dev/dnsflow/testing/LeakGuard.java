package dev.dnsflow.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Turns a Netty buffer leak into a test failure. Registered for every test class by JUnit's
 * extension auto-detection; the build runs with {@code -Dio.netty.leakDetection.level=paranoid}, so
 * every buffer is tracked. After each test class it collects garbage, lets the detector look, and
 * fails the class if any buffer was garbage-collected without being released.
 */
public final class LeakGuard implements AfterAllCallback {
    private static final List<String> LEAKS = Collections.synchronizedList(new ArrayList<>());

    static {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            @SuppressWarnings("deprecation")
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval, long maxActive) {
                return new ResourceLeakDetector<>(resource, samplingInterval, maxActive) {
                    @Override
                    protected boolean needReport() {
                        return true; // report even when Netty's logger is a no-op
                    }

                    @Override
                    protected void reportTracedLeak(String type, String records) {
                        LEAKS.add(type + " leaked:" + records);
                    }

                    @Override
                    protected void reportUntracedLeak(String type) {
                        LEAKS.add(type + " leaked (no records)");
                    }
                };
            }
        });
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        List<String> found = collect();
        if (!found.isEmpty()) {
            fail(found.size() + " Netty buffer leak(s) in " + context.getDisplayName() + ":\n" + String.join("\n", found));
        }
    }

    /** Forces the detector to look now and returns (and forgets) what it found. */
    public static List<String> collect() throws InterruptedException {
        for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(50);
            // The detector checks its reference queue whenever a new buffer is tracked.
            for (ByteBufAllocator alloc : List.of(PooledByteBufAllocator.DEFAULT, UnpooledByteBufAllocator.DEFAULT,
                    ByteBufAllocator.DEFAULT)) {
                for (int i = 0; i < 10; i++) {
                    ByteBuf b = alloc.buffer(1);
                    b.release();
                    b = alloc.directBuffer(1);
                    b.release();
                }
            }
        }
        synchronized (LEAKS) {
            List<String> copy = new ArrayList<>(LEAKS);
            LEAKS.clear();
            return copy;
        }
    }
}
