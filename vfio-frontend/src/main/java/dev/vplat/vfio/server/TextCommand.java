package dev.vplat.vfio.server;

import java.util.List;

/** One text-mode line split into words, or the marker for a line longer than the limit. */
public record TextCommand(List<String> words, int wireSize, boolean tooLong) implements WireMessage {
    public static TextCommand of(String line) {
        String t = line.strip();
        return new TextCommand(List.of(t.split("[ \t]+")), line.length() + 1, false);
    }

    public static TextCommand overLimit() {
        return new TextCommand(List.of(), 0, true);
    }
}
