package dev.dnsflow.benchmarks.harness;

import java.util.ArrayList;
import java.util.List;

/** Medians and per-round ratios: ratios are taken pair by pair within a round, then their median. */
final class Stats {
    private Stats() {
    }

    /** The median (mean of the two middle values for an even count); NaN for no values. */
    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>();
        for (Double v : values) {
            if (v != null && !v.isNaN()) {
                sorted.add(v);
            }
        }
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        sorted.sort(Double::compare);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** {@code a[i] / b[i]} for each round i measured for both (the shorter list decides). */
    static List<Double> perRoundRatios(List<Double> a, List<Double> b) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            double denominator = b.get(i);
            ratios.add(denominator == 0 ? Double.NaN : a.get(i) / denominator);
        }
        return ratios;
    }

    /** The median of the per-round ratios {@code a / b}. */
    static double medianRatio(List<Double> a, List<Double> b) {
        return median(perRoundRatios(a, b));
    }

    /** {@code a[i] - b[i]} for each round i. */
    static List<Double> perRoundDifferences(List<Double> a, List<Double> b) {
        List<Double> diffs = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            diffs.add(a.get(i) - b.get(i));
        }
        return diffs;
    }

    static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
}
