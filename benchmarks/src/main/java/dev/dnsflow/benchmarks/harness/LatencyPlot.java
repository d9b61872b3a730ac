package dev.dnsflow.benchmarks.harness;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A PNG of the latency percentiles: one group of bars per percentile (p50 … p99.9), one bar per
 * setup, on a logarithmic µs axis (p99.9 is often ten times p50), each bar labelled with its value.
 * Drawn with java.awt in headless mode.
 */
final class LatencyPlot {
    private static final Color[] COLORS = {new Color(0x4e79a7), new Color(0xe15759), new Color(0xf28e2b),
        new Color(0x76b7b2), new Color(0x59a14f), new Color(0xedc948), new Color(0xb07aa1)};
    private static final int W = 1100;
    private static final int H = 600;
    private static final int LEFT = 90;
    private static final int RIGHT = 230;
    private static final int TOP = 60;
    private static final int BOTTOM = 70;

    private LatencyPlot() {
    }

    /** {@code micros}: per setup, the value at each of {@link LatencyRounds#PERCENTILES}. */
    static void write(Map<String, double[]> micros, String title, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        double max = micros.values().stream().flatMapToDouble(Arrays::stream).max().orElse(10);
        double min = micros.values().stream().flatMapToDouble(Arrays::stream).filter(v -> v > 0).min().orElse(1);
        double lo = Math.pow(10, Math.floor(Math.log10(Math.max(1, min / 2))));
        double hi = Math.pow(10, Math.ceil(Math.log10(max * 1.5)));
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;

        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, LEFT, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (double decade = lo; decade <= hi; decade *= 10) {
            for (int k : new int[] {1, 2, 5}) {
                double v = decade * k;
                if (v > hi) {
                    break;
                }
                int y = y(v, lo, hi, plotH);
                g.setColor(k == 1 ? new Color(0xbbbbbb) : new Color(0xe6e6e6));
                g.drawLine(LEFT, y, LEFT + plotW, y);
                g.setColor(Color.DARK_GRAY);
                String label = v >= 1000 ? String.format("%.0f ms", v / 1000) : String.format("%.0f", v);
                g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), y + 4);
            }
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1.5f));
        g.drawLine(LEFT, TOP, LEFT, TOP + plotH);
        g.drawLine(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH);

        List<String> setups = new ArrayList<>(micros.keySet());
        int groups = LatencyRounds.PERCENTILES.length;
        double groupW = plotW / (double) groups;
        double barW = groupW * 0.8 / setups.size();
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        for (int p = 0; p < groups; p++) {
            double x0 = LEFT + p * groupW + groupW * 0.1;
            for (int s = 0; s < setups.size(); s++) {
                double v = micros.get(setups.get(s))[p];
                int x = (int) (x0 + s * barW);
                int y = y(Math.max(v, lo), lo, hi, plotH);
                g.setColor(COLORS[s % COLORS.length]);
                g.fillRect(x, y, (int) barW - 2, TOP + plotH - y);
                g.setColor(Color.BLACK);
                drawRotated(g, String.format("%.0f", v), x + (int) (barW / 2) + 3, y - 4);
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            String label = LatencyRounds.LABELS[p];
            FontMetrics fm = g.getFontMetrics();
            g.drawString(label, (int) (LEFT + p * groupW + groupW / 2 - fm.stringWidth(label) / 2.0), TOP + plotH + 22);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.drawString("percentile", LEFT + plotW / 2 - 30, H - 20);
        drawRotated(g, "latency, µs (log scale)", 25, TOP + plotH / 2 + 70);
        for (int s = 0; s < setups.size(); s++) {
            int ly = TOP + 20 + s * 24;
            g.setColor(COLORS[s % COLORS.length]);
            g.fillRect(W - RIGHT + 20, ly - 12, 16, 16);
            g.setColor(Color.BLACK);
            g.drawString(setups.get(s), W - RIGHT + 44, ly + 1);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static int y(double v, double lo, double hi, int plotH) {
        double f = (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
        return (int) Math.round(TOP + plotH - f * plotH);
    }

    /** Text rotated 90° counter-clockwise, its baseline ending at (x, y). */
    private static void drawRotated(Graphics2D g, String text, int x, int y) {
        AffineTransform saved = g.getTransform();
        g.translate(x, y);
        g.rotate(-Math.PI / 2);
        g.drawString(text, 0, 0);
        g.setTransform(saved);
    }
}
