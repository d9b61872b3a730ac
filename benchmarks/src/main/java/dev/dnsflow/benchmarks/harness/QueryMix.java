package dev.dnsflow.benchmarks.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The query mix, the same for dnsperf and for the latency generator: apex A (25 %), apex AAAA
 * (15 %), www (a CNAME to the apex, 15 %), mail A (10 %), names under the {@code *.w} wildcard
 * (20 %) and names that do not exist (NXDOMAIN, 15 %). Random labels come from a fixed seed, so
 * every run sends the same queries. The cache-hit mix ({@link #cacheHits}) instead repeats 1 000 distinct
 * queries, so that after the warmup a cache answers nearly all of them.
 */
final class QueryMix {
    /** Distinct queries in the cache-hit mix: the four fixed names, 846 under the wildcard, 150 NXDOMAIN. */
    static final int CACHE_HIT_DISTINCT = 1_000;
    static final int CACHE_HIT_NXDOMAIN = 150;

    /** Which mix {@code --mix} asks for. */
    enum Mix {
        /** The default: a quarter of the names random (wildcard and NXDOMAIN), so a cache would mostly miss. */
        DEFAULT("default"),
        /** {@value #CACHE_HIT_DISTINCT} distinct queries, each repeated: after warmup a cache answers nearly all. */
        CACHE_HIT("cache-hit");

        final String flag;

        Mix(String flag) {
            this.flag = flag;
        }

        static Mix of(String value) {
            for (Mix m : values()) {
                if (m.flag.equals(value)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("--mix: no mix " + value + "; there are default, cache-hit");
        }

        /** {@code count} queries of this mix, fixed seed. */
        List<Query> generate(int count) {
            return this == DEFAULT ? QueryMix.generate(count) : cacheHits(count);
        }

        /** For the report's Method section. */
        String describe() {
            return this == DEFAULT
                    ? "apex A 25 %, apex AAAA 15 %, www (CNAME to apex) 15 %, mail A 10 %, random names under the `*.w` "
                            + "wildcard 20 %, random names that do not exist (NXDOMAIN) 15 %"
                    : "cache hits: " + CACHE_HIT_DISTINCT + " distinct queries (apex A, apex AAAA, www A, mail A, "
                            + (CACHE_HIT_DISTINCT - 4 - CACHE_HIT_NXDOMAIN) + " names under the `*.w` wildcard, "
                            + CACHE_HIT_NXDOMAIN + " names that do not exist), each the same number of times, shuffled; "
                            + "dnsperf loops over the file, so after the warmup a cache answers nearly every query";
        }
    }
    static final String ZONE = "example.com";
    static final int TYPE_A = 1;
    static final int TYPE_AAAA = 28;

    /** One query: a name and a type. */
    record Query(String name, int type) {
        String dnsperfLine() {
            return name + (type == TYPE_AAAA ? " AAAA" : " A");
        }
    }

    private QueryMix() {
    }

    /** The zone NSD serves (origin {@value #ZONE}). */
    static String zoneFile() {
        return String.join("\n",
                "$ORIGIN example.com.",
                "$TTL 300",
                "@     IN SOA  ns1.example.com. hostmaster.example.com. 1 3600 600 86400 300",
                "@     IN NS   ns1.example.com.",
                "ns1   IN A    127.0.0.1",
                "@     IN A    192.0.2.1",
                "@     IN AAAA 2001:db8::1",
                "www   IN CNAME example.com.",
                "mail  IN A    192.0.2.25",
                "*.w   IN A    192.0.2.10",
                "");
    }

    /** {@code count} queries in the mix, shuffled, from a fixed seed. */
    static List<Query> generate(int count) {
        Random random = new Random(7);
        List<Query> queries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int pick = random.nextInt(100);
            if (pick < 25) {
                queries.add(new Query(ZONE, TYPE_A));
            } else if (pick < 40) {
                queries.add(new Query(ZONE, TYPE_AAAA));
            } else if (pick < 55) {
                queries.add(new Query("www." + ZONE, TYPE_A));
            } else if (pick < 65) {
                queries.add(new Query("mail." + ZONE, TYPE_A));
            } else if (pick < 85) {
                queries.add(new Query(label(random) + ".w." + ZONE, TYPE_A));
            } else {
                queries.add(new Query("nx-" + label(random) + "." + ZONE, TYPE_A));
            }
        }
        return queries;
    }

    /**
     * {@code count} queries drawn evenly from {@value #CACHE_HIT_DISTINCT} distinct ones (apex A and AAAA, www,
     * mail, names under {@code *.w}, {@value #CACHE_HIT_NXDOMAIN} NXDOMAIN names), each repeated, shuffled, fixed seed.
     */
    static List<Query> cacheHits(int count) {
        Random random = new Random(11);
        List<Query> distinct = new ArrayList<>(CACHE_HIT_DISTINCT);
        distinct.add(new Query(ZONE, TYPE_A));
        distinct.add(new Query(ZONE, TYPE_AAAA));
        distinct.add(new Query("www." + ZONE, TYPE_A));
        distinct.add(new Query("mail." + ZONE, TYPE_A));
        Set<String> names = new HashSet<>();
        while (distinct.size() < CACHE_HIT_DISTINCT - CACHE_HIT_NXDOMAIN) {
            String name = label(random) + ".w." + ZONE;
            if (names.add(name)) {
                distinct.add(new Query(name, TYPE_A));
            }
        }
        while (distinct.size() < CACHE_HIT_DISTINCT) {
            String name = "nx-" + label(random) + "." + ZONE;
            if (names.add(name)) {
                distinct.add(new Query(name, TYPE_A));
            }
        }
        List<Query> queries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            queries.add(distinct.get(i % distinct.size()));
        }
        Collections.shuffle(queries, random);
        return queries;
    }

    private static String label(Random random) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder sb = new StringBuilder();
        int length = 4 + random.nextInt(9);
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    /** Writes the queries as a dnsperf data file ({@code name TYPE} per line). */
    static void writeDnsperfFile(List<Query> queries, Path file) {
        try {
            Files.writeString(file, queries.stream().map(Query::dnsperfLine)
                    .collect(Collectors.joining("\n", "", "\n")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** A wire-format query (RD set, no EDNS, like dnsperf without -e) for {@code name}/{@code type} IN. */
    static byte[] encode(int id, String name, int type) {
        byte[] ascii = name.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[12 + ascii.length + 2 + 4];
        out[0] = (byte) (id >>> 8);
        out[1] = (byte) id;
        out[2] = 0x01; // RD
        out[5] = 1;    // QDCOUNT
        int p = 12;
        for (String label : name.split("\\.")) {
            out[p++] = (byte) label.length();
            for (char c : label.toCharArray()) {
                out[p++] = (byte) c;
            }
        }
        out[p++] = 0;
        out[p++] = (byte) (type >>> 8);
        out[p++] = (byte) type;
        out[p++] = 0;
        out[p] = 1; // class IN
        return out;
    }
}
