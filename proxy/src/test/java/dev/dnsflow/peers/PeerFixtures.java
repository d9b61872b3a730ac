package dev.dnsflow.peers;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The fixtures the real-peer test classes share, as JUnit extensions:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final PeerFixtures.SharedNsd NSD = new PeerFixtures.SharedNsd();
 * @RegisterExtension
 * final PeerFixtures.Closer open = new PeerFixtures.Closer();
 * ...
 * DnsProxy proxy = open.add(DnsProxy.start(...upstream NSD.get().address()...));
 * }</pre>
 */
public final class PeerFixtures {

    private PeerFixtures() {
    }

    /**
     * The test class's one NSD ({@link NsdServer#start()}), started by the first test that asks for
     * it and stopped after the class. Not started in {@code @BeforeAll}: a skip there (NSD not
     * installed) is reported by surefire as zero tests run, not as skipped. Register it on a static
     * field.
     */
    public static final class SharedNsd implements AfterAllCallback {
        private NsdServer nsd;

        public synchronized NsdServer get() {
            if (nsd == null) {
                nsd = NsdServer.start();
            }
            return nsd;
        }

        @Override
        public synchronized void afterAll(ExtensionContext context) {
            if (nsd != null) {
                nsd.close();
                nsd = null;
            }
        }
    }

    /** What a test opened, closed after the test, newest first. Register it on an instance field. */
    public static final class Closer implements AfterEachCallback {
        private final List<AutoCloseable> open = new ArrayList<>();

        /** Closes {@code resource} after the test; returns it. */
        public <T extends AutoCloseable> T add(T resource) {
            open.add(resource);
            return resource;
        }

        @Override
        public void afterEach(ExtensionContext context) throws Exception {
            for (int i = open.size() - 1; i >= 0; i--) {
                open.get(i).close();
            }
            open.clear();
        }
    }
}
