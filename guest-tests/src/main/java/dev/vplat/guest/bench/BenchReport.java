package dev.vplat.guest.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rows of one bench run and the machine they ran on, as a text table, as JSON and as an SVG
 * chart of the ratios (log scale, 1.0 in the middle: right of it vplat beats its baseline).
 */
public final class BenchReport {
    private final Map<String, String> machine;
    private final List<Row> rows;

    public BenchReport(Map<String, String> machine, List<Row> rows) {
        this.machine = new LinkedHashMap<>(machine);
        this.rows = List.copyOf(rows);
    }

    public List<Row> rows() {
        return rows;
    }

    public Map<String, String> machine() {
        return Map.copyOf(machine);
    }

    // ------------------------------------------------------------------ table

    public String table() {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"#", "measurement", "vplat", "baseline", "against", "ratio", "target", "met"});
        for (Row r : rows) {
            Boolean met = r.targetMet();
            cells.add(new String[] {r.section(), r.what(), Units.format(r.value(), r.unit()),
                    Units.format(r.baseline(), r.unit()), r.against(), Units.ratio(r.ratio()),
                    r.target() == null ? "" : r.target().text(), met == null ? "" : met ? "yes" : "NO"});
        }
        int[] width = new int[cells.get(0).length];
        for (String[] line : cells) {
            for (int i = 0; i < line.length; i++) {
                width[i] = Math.max(width[i], line[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        machine.forEach((k, v) -> out.append(k).append(": ").append(v).append('\n'));
        out.append('\n');
        for (int n = 0; n < cells.size(); n++) {
            String[] line = cells.get(n);
            for (int i = 0; i < line.length; i++) {
                boolean number = n > 0 && (i == 2 || i == 3 || i == 5);
                String pad = " ".repeat(width[i] - line[i].length());
                out.append(number ? pad + line[i] : line[i] + pad).append(i + 1 < line.length ? "  " : "");
            }
            out.append('\n');
            if (n == 0) {
                for (int i = 0; i < width.length; i++) {
                    out.append("-".repeat(width[i])).append(i + 1 < width.length ? "  " : "");
                }
                out.append('\n');
            }
        }
        List<Row> noted = rows.stream().filter(r -> !r.note().isEmpty()).toList();
        if (!noted.isEmpty()) {
            out.append("\nnotes:\n");
            for (Row r : noted) {
                out.append("  ").append(r.id()).append(": ").append(r.note()).append('\n');
            }
        }
        return out.toString();
    }

    // ------------------------------------------------------------------ JSON

    public String json() {
        StringBuilder b = new StringBuilder("{\n  \"machine\": {");
        int i = 0;
        for (Map.Entry<String, String> e : machine.entrySet()) {
            b.append(i++ == 0 ? "" : ",").append("\n    ").append(quote(e.getKey())).append(": ").append(quote(e.getValue()));
        }
        b.append("\n  },\n  \"rows\": [");
        for (int n = 0; n < rows.size(); n++) {
            Row r = rows.get(n);
            Boolean met = r.targetMet();
            b.append(n == 0 ? "" : ",").append("\n    {")
                    .append("\"id\": ").append(quote(r.id()))
                    .append(", \"section\": ").append(quote(r.section()))
                    .append(", \"what\": ").append(quote(r.what()))
                    .append(", \"value\": ").append(number(r.value()))
                    .append(", \"unit\": ").append(quote(r.unit()))
                    .append(", \"baseline\": ").append(number(r.baseline()))
                    .append(", \"against\": ").append(quote(r.against()))
                    .append(", \"ratio\": ").append(number(r.ratio()))
                    .append(", \"target\": ").append(r.target() == null ? "null" : quote(r.target().text()))
                    .append(", \"met\": ").append(met == null ? "null" : met.toString())
                    .append(", \"note\": ").append(quote(r.note()))
                    .append('}');
        }
        return b.append("\n  ]\n}\n").toString();
    }

    private static String number(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "null" : String.format(Locale.ROOT, "%.6g", v);
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    // ------------------------------------------------------------------ SVG

    private static final int LABEL_WIDTH = 330, PLOT_WIDTH = 520, ROW_HEIGHT = 20, TOP = 40;
    /** The chart spans ratios 10^-MAX_DECADES … 10^MAX_DECADES. */
    private static final int MAX_DECADES = 4;

    /** Horizontal bars of log10(ratio) for every row that has a ratio; green met, red missed, grey no target. */
    public String svg() {
        List<Row> plotted = rows.stream().filter(r -> !Double.isNaN(r.ratio()) && r.ratio() > 0).toList();
        int height = TOP + ROW_HEIGHT * plotted.size() + 40;
        int width = LABEL_WIDTH + PLOT_WIDTH + 90;
        double mid = LABEL_WIDTH + PLOT_WIDTH / 2.0;
        double perDecade = PLOT_WIDTH / 2.0 / MAX_DECADES;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", width, height));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"20\" font-size=\"14\">vplat bench: ratio to the baseline "
                + "measured in the same run (log scale)%s</text>%n", escape(machine.containsKey("date") ? ", " + machine.get("date") : "")));
        for (int d = -MAX_DECADES; d <= MAX_DECADES; d++) {
            double x = mid + d * perDecade;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>%n",
                    x, TOP - 5, x, height - 30, d == 0 ? "black" : "#ddd"));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s</text>%n",
                    x, height - 15, d == 0 ? "1" : "1e" + d));
        }
        for (int i = 0; i < plotted.size(); i++) {
            Row r = plotted.get(i);
            int y = TOP + i * ROW_HEIGHT;
            double decades = Math.max(-MAX_DECADES, Math.min(MAX_DECADES, Math.log10(r.ratio())));
            double x0 = Math.min(mid, mid + decades * perDecade);
            double w = Math.max(1, Math.abs(decades * perDecade));
            Boolean met = r.targetMet();
            String color = met == null ? "#999" : met ? "#3a3" : "#d33";
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
                    LABEL_WIDTH - 6, y + 14, escape(r.section() + " " + r.id())));
            s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
                    + "<title>%s</title></rect>%n", x0, y + 3, w, ROW_HEIGHT - 6, color,
                    escape(r.what() + " vs " + r.against())));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n",
                    LABEL_WIDTH + PLOT_WIDTH + 8, y + 14, Units.ratio(r.ratio())));
        }
        return s.append("</svg>\n").toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static void write(Path file, String text) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
