package dev.dnsflow.flow;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * A typed key for one capability's part of a flow (what CoreDNS said about the query, the pods behind its
 * addresses, a cache hit): its JSON field name, and how its value is written to and read from the flow's
 * JSON and the ring's compact form. A capability defines its key and value type in its own package;
 * {@link Flow}, {@link FlowJson}, the ring's codec and the CLI's JSON reader carry every registered key
 * without knowing any of them.
 *
 * <pre>{@code
 * public record CacheMark(boolean hit) {
 *     public static final FlowExtension<CacheMark> KEY = new FlowExtension<>("cache", new FlowExtension.Codec<>() { ... });
 * }
 * // in the capability's FlowExtension.Provider, listed in META-INF/services/dev.dnsflow.flow.FlowExtension$Provider:
 * public List<FlowExtension<?>> extensions() { return List.of(CacheMark.KEY); }
 *
 * Flow marked = flow.with(CacheMark.KEY, new CacheMark(true));
 * CacheMark mark = marked.get(CacheMark.KEY); // null when the flow has none
 * }</pre>
 *
 * <p>Registration: every {@link Provider} on the class path is loaded once, the first time the registry is
 * used, so every process (the proxy, the sidecar, {@code dnsflow observe} reading the API) knows the same
 * keys in the same order whichever classes it happened to load first: their JSON fields come out in that
 * order, after the core fields {@code chaos} and before {@code duration_us}. Keys may also be
 * {@link #register registered} directly (tests). Each key gets a small id, stable within this process only,
 * which the ring stores instead of the name. A second key with a name already taken fails at once.
 */
public final class FlowExtension<T> {
    /** The core fields of a flow's JSON: no extension may take one of these names. */
    private static final Set<String> CORE = Set.of("id", "time", "client", "origin", "query", "attempts", "response",
            "chaos", "duration_us", "outcome");
    private static final Object LOCK = new Object();
    private static volatile FlowExtension<?>[] registered = new FlowExtension<?>[0];
    private static volatile boolean providersLoaded;
    /** Under the lock: providers are being loaded by this thread right now. */
    private static boolean loading;

    /** How an extension's value is written and read; the value is never null here. */
    public interface Codec<T> {
        /** Writes the value (an object, an array or a scalar), streaming; its field name is already written. */
        void writeJson(T value, JsonGenerator g) throws IOException;

        /**
         * Reads what {@link #writeJson} wrote (never a JSON null), or returns null to leave it out; throws
         * IllegalArgumentException naming the field when it cannot make sense of it.
         */
        T readJson(JsonNode node);

        /** Writes the value for the ring: the fewest bytes {@link #decode} needs. */
        void encode(T value, CompactWriter out);

        /** Reads exactly what {@link #encode} wrote. */
        T decode(CompactReader in);
    }

    /** Names a capability's keys, for {@link ServiceLoader}: listed in {@code META-INF/services/dev.dnsflow.flow.FlowExtension$Provider}. */
    public interface Provider {
        List<FlowExtension<?>> extensions();
    }

    private final String name;
    private final SerializedString jsonName;
    private final Codec<T> codec;
    /** Set once, under the registry's lock, when registered; -1 before. */
    private volatile int id = -1;

    /** A key, not yet registered. @param name its JSON field name: lower case, as the core fields are */
    public FlowExtension(String name, Codec<T> codec) {
        if (name == null || !name.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("flow extension name must be lower case letters, digits and _: " + name);
        }
        if (CORE.contains(name)) {
            throw new IllegalArgumentException("flow extension name '" + name + "' is a core field of a flow");
        }
        this.name = name;
        this.jsonName = new SerializedString(name);
        this.codec = codec;
    }

    /** Registers a key that no {@link Provider} lists (a test's); returns it. */
    public static <T> FlowExtension<T> register(FlowExtension<T> key) {
        synchronized (LOCK) {
            loadProviders();
            add(key);
        }
        return key;
    }

    /** Every registered key, in registration order (the order of their JSON fields). */
    public static List<FlowExtension<?>> registered() {
        loaded();
        return List.of(registered);
    }

    /** How many keys are registered. */
    static int count() {
        return loaded().length;
    }

    /** The key registered with this id. @throws IllegalStateException when none is */
    static FlowExtension<?> byId(int id) {
        FlowExtension<?>[] all = loaded();
        if (id < 0 || id >= all.length) {
            throw new IllegalStateException("no flow extension has id " + id);
        }
        return all[id];
    }

    public String name() {
        return name;
    }

    /** Its small number in this process (registration order). @throws IllegalStateException when not registered */
    int id() {
        int i = id;
        if (i < 0) {
            loaded();
            i = id;
            if (i < 0) {
                throw new IllegalStateException("flow extension '" + name + "' is not registered: list it in a "
                        + "FlowExtension.Provider (META-INF/services/" + Provider.class.getName() + ") or register it");
            }
        }
        return i;
    }

    SerializedString jsonName() {
        return jsonName;
    }

    @SuppressWarnings("unchecked")
    void writeJson(Object value, JsonGenerator g) throws IOException {
        codec.writeJson((T) value, g);
    }

    T readJson(JsonNode node) {
        return codec.readJson(node);
    }

    @SuppressWarnings("unchecked")
    void encode(Object value, CompactWriter out) {
        codec.encode((T) value, out);
    }

    T decode(CompactReader in) {
        return codec.decode(in);
    }

    @Override
    public String toString() {
        return "FlowExtension[" + name + "]";
    }

    private static FlowExtension<?>[] loaded() {
        if (!providersLoaded) {
            synchronized (LOCK) {
                loadProviders();
            }
        }
        return registered;
    }

    /**
     * Under the lock. {@code loading} stops the re-entry of a provider whose keys register while it
     * loads; {@code providersLoaded} is published only when every key is in, so no other thread sees
     * a partial registry.
     */
    private static void loadProviders() {
        if (providersLoaded || loading) {
            return;
        }
        loading = true;
        try {
            for (Provider p : ServiceLoader.load(Provider.class, FlowExtension.class.getClassLoader())) {
                for (FlowExtension<?> key : p.extensions()) {
                    add(key);
                }
            }
            providersLoaded = true;
        } finally {
            loading = false;
        }
    }

    /** Under the lock. */
    private static void add(FlowExtension<?> key) {
        FlowExtension<?>[] all = registered;
        for (FlowExtension<?> other : all) {
            if (other.name.equals(key.name)) {
                throw new IllegalStateException("flow extension '" + key.name + "' is registered twice"
                        + (other == key ? "" : ", by two different keys"));
            }
        }
        FlowExtension<?>[] more = Arrays.copyOf(all, all.length + 1);
        more[all.length] = key;
        key.id = all.length;
        registered = more;
    }
}
