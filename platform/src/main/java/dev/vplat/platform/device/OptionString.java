package dev.vplat.platform.device;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A QEMU-style option string, {@code type,key=value,key=value}. A doubled comma stands for a
 * literal comma inside a value, as in QEMU; a bare {@code key} means {@code key=on}.
 */
public record OptionString(String type, Map<String, String> options) {
    public static OptionString parse(String text) {
        if (text == null || text.isBlank()) {
            throw new ConfigException("empty option string: expected TYPE[,key=value...]");
        }
        java.util.List<String> parts = new java.util.ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ',') {
                if (i + 1 < text.length() && text.charAt(i + 1) == ',') {
                    cur.append(',');
                    i++;
                } else {
                    parts.add(cur.toString());
                    cur.setLength(0);
                }
            } else {
                cur.append(c);
            }
        }
        parts.add(cur.toString());
        String type = parts.get(0).trim();
        if (type.isEmpty() || type.contains("=")) {
            throw new ConfigException("'" + text + "': the first item must be a type name");
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (String p : parts.subList(1, parts.size())) {
            if (p.isEmpty()) {
                throw new ConfigException(type + ": empty option in '" + text + "'");
            }
            int eq = p.indexOf('=');
            String key = eq < 0 ? p : p.substring(0, eq);
            String value = eq < 0 ? "on" : p.substring(eq + 1);
            if (key.isEmpty()) {
                throw new ConfigException(type + ": option without a name in '" + text + "'");
            }
            if (options.put(key, value) != null) {
                throw new ConfigException(type + ": property '" + key + "' given twice");
            }
        }
        return new OptionString(type, Collections.unmodifiableMap(options));
    }
}
