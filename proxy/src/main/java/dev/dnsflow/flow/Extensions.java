package dev.dnsflow.flow;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Arrays;
import java.util.StringJoiner;

/**
 * The {@link FlowExtension} values a flow carries, in registration order. Immutable; most flows carry none
 * and share {@link #NONE}, so a flow without extensions costs no allocation. Two small arrays otherwise
 * (a flow has a handful of extensions at most, so a scan beats a map).
 */
public final class Extensions {
    public static final Extensions NONE = new Extensions(new FlowExtension<?>[0], new Object[0]);

    /** By ascending id; {@code values[i]} belongs to {@code keys[i]} and is never null. */
    private final FlowExtension<?>[] keys;
    private final Object[] values;

    private Extensions(FlowExtension<?>[] keys, Object[] values) {
        this.keys = keys;
        this.values = values;
    }

    /** The value for {@code key}, or null when there is none. */
    @SuppressWarnings("unchecked")
    public <T> T get(FlowExtension<T> key) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] == key) {
                return (T) values[i];
            }
        }
        return null;
    }

    /**
     * These values with {@code key} set to {@code value} (replaced if present; null removes it).
     *
     * @throws IllegalStateException when {@code key} is not registered
     */
    public <T> Extensions with(FlowExtension<T> key, T value) {
        int id = key.id();
        int at = 0;
        while (at < keys.length && keys[at].id() < id) {
            at++;
        }
        boolean present = at < keys.length && keys[at] == key;
        if (value == null) {
            if (!present) {
                return this;
            }
            if (keys.length == 1) {
                return NONE;
            }
            FlowExtension<?>[] k = new FlowExtension<?>[keys.length - 1];
            Object[] v = new Object[keys.length - 1];
            System.arraycopy(keys, 0, k, 0, at);
            System.arraycopy(values, 0, v, 0, at);
            System.arraycopy(keys, at + 1, k, at, keys.length - at - 1);
            System.arraycopy(values, at + 1, v, at, keys.length - at - 1);
            return new Extensions(k, v);
        }
        if (present) {
            Object[] v = values.clone();
            v[at] = value;
            return new Extensions(keys, v);
        }
        FlowExtension<?>[] k = new FlowExtension<?>[keys.length + 1];
        Object[] v = new Object[keys.length + 1];
        System.arraycopy(keys, 0, k, 0, at);
        System.arraycopy(values, 0, v, 0, at);
        k[at] = key;
        v[at] = value;
        System.arraycopy(keys, at, k, at + 1, keys.length - at);
        System.arraycopy(values, at, v, at + 1, keys.length - at);
        return new Extensions(k, v);
    }

    public boolean isEmpty() {
        return keys.length == 0;
    }

    public int size() {
        return keys.length;
    }

    /** Each value as a field named by its key, in registration order. */
    void writeJson(JsonGenerator g) throws IOException {
        for (int i = 0; i < keys.length; i++) {
            g.writeFieldName(keys[i].jsonName());
            keys[i].writeJson(values[i], g);
        }
    }

    /**
     * Every registered extension found (and not null) in a flow's JSON object ({@link FlowJson}'s form).
     *
     * @throws IllegalArgumentException naming the field when an extension cannot read its value
     */
    public static Extensions readJson(JsonNode flow) {
        Extensions out = NONE;
        for (FlowExtension<?> key : FlowExtension.registered()) {
            out = out.readField(key, flow.get(key.name()));
        }
        return out;
    }

    private <T> Extensions readField(FlowExtension<T> key, JsonNode node) {
        return node == null || node.isNull() ? this : with(key, key.readJson(node));
    }

    /** For the ring: how many, then each one's id and its payload. */
    public void encode(CompactWriter out) {
        out.writeVarint(keys.length);
        for (int i = 0; i < keys.length; i++) {
            out.writeVarint(keys[i].id());
            keys[i].encode(values[i], out);
        }
    }

    /** Reads what {@link #encode} wrote. @throws IllegalStateException on an unknown id or ids out of order */
    public static Extensions decode(CompactReader in) {
        int n = in.readVarint();
        if (n == 0) {
            return NONE;
        }
        if (n > FlowExtension.count()) {
            throw new IllegalStateException("flow record has " + n + " extensions; " + FlowExtension.count() + " are registered");
        }
        FlowExtension<?>[] k = new FlowExtension<?>[n];
        Object[] v = new Object[n];
        int last = -1;
        for (int i = 0; i < n; i++) {
            int id = in.readVarint();
            if (id <= last) {
                throw new IllegalStateException("flow record's extension ids out of order");
            }
            last = id;
            k[i] = FlowExtension.byId(id);
            v[i] = k[i].decode(in);
            if (v[i] == null) {
                throw new IllegalStateException("flow extension '" + k[i].name() + "' decoded to null");
            }
        }
        return new Extensions(k, v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Extensions e && Arrays.equals(keys, e.keys) && Arrays.equals(values, e.values);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(keys) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        StringJoiner s = new StringJoiner(", ", "{", "}");
        for (int i = 0; i < keys.length; i++) {
            s.add(keys[i].name() + "=" + values[i]);
        }
        return s.toString();
    }
}
