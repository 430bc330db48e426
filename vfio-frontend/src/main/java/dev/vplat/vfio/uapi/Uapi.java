package dev.vplat.vfio.uapi;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Codec between Java records and the little-endian C structs of the Linux uAPI headers. A
 * record's components, in declaration order, are the struct's members; their Java type gives
 * the C type ({@code byte} = __u8, {@code short} = __u16, {@code int} = __u32/__s32,
 * {@code long} = __aligned_u64, {@code byte[]} with {@link CArray} = a fixed array or union
 * body). Offsets follow the C rules (each member at its natural alignment, the size rounded up
 * to the largest alignment), so {@link #sizeOf} equals the header's {@code sizeof} and
 * {@link #offsetOfEnd} its {@code offsetofend}. The uAPI structs are designed without implicit
 * holes, which the layout check in the tests pins.
 */
public final class Uapi {
    private record Member(String name, Class<?> type, int offset, int size) { }

    private record Layout(List<Member> members, int size, Constructor<?> constructor, RecordComponent[] components) { }

    private static final Map<Class<?>, Layout> LAYOUTS = new ConcurrentHashMap<>();

    private Uapi() {
    }

    public static int sizeOf(Class<? extends Record> type) {
        return layout(type).size();
    }

    /** offsetofend(struct, member): the minimum size a caller must provide to reach {@code member}. */
    public static int offsetOfEnd(Class<? extends Record> type, String member) {
        for (Member m : layout(type).members()) {
            if (m.name().equals(member)) {
                return m.offset() + m.size();
            }
        }
        throw new IllegalArgumentException(type.getSimpleName() + " has no member " + member);
    }

    public static int offsetOf(Class<? extends Record> type, String member) {
        return offsetOfEnd(type, member) - member(type, member).size();
    }

    private static Member member(Class<? extends Record> type, String member) {
        return layout(type).members().stream().filter(m -> m.name().equals(member)).findFirst().orElseThrow();
    }

    /** Decodes a struct from {@code bytes}; missing trailing bytes read as zero, as after copy_struct_from_user. */
    public static <R extends Record> R decode(Class<R> type, byte[] bytes) {
        Layout l = layout(type);
        byte[] full = bytes.length >= l.size() ? bytes : Arrays.copyOf(bytes, l.size());
        ByteBuffer b = ByteBuffer.wrap(full).order(ByteOrder.LITTLE_ENDIAN);
        Object[] args = new Object[l.members().size()];
        for (int i = 0; i < args.length; i++) {
            Member m = l.members().get(i);
            if (m.type() == byte.class) {
                args[i] = b.get(m.offset());
            } else if (m.type() == short.class) {
                args[i] = b.getShort(m.offset());
            } else if (m.type() == int.class) {
                args[i] = b.getInt(m.offset());
            } else if (m.type() == long.class) {
                args[i] = b.getLong(m.offset());
            } else {
                byte[] a = new byte[m.size()];
                System.arraycopy(full, m.offset(), a, 0, m.size());
                args[i] = a;
            }
        }
        try {
            return type.cast(l.constructor().newInstance(args));
        } catch (InstantiationException | IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot build " + type.getSimpleName(), e);
        }
    }

    /** Encodes a struct to exactly {@link #sizeOf} bytes, padding zero. */
    public static byte[] encode(Record value) {
        Layout l = layout(value.getClass());
        byte[] out = new byte[l.size()];
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < l.members().size(); i++) {
            Member m = l.members().get(i);
            Object v;
            try {
                v = l.components()[i].getAccessor().invoke(value);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + m.name(), e);
            }
            if (m.type() == byte.class) {
                b.put(m.offset(), (Byte) v);
            } else if (m.type() == short.class) {
                b.putShort(m.offset(), (Short) v);
            } else if (m.type() == int.class) {
                b.putInt(m.offset(), (Integer) v);
            } else if (m.type() == long.class) {
                b.putLong(m.offset(), (Long) v);
            } else {
                byte[] a = (byte[]) v;
                if (a.length > m.size()) {
                    throw new IllegalArgumentException(m.name() + " holds at most " + m.size() + " bytes");
                }
                System.arraycopy(a, 0, out, m.offset(), a.length);
            }
        }
        return out;
    }

    /** Encodes {@code values} back to back, as a C array of the struct that a pointer member points at. */
    public static byte[] encodeArray(List<? extends Record> values) {
        ByteBuffer out = null;
        for (Record v : values) {
            byte[] one = encode(v);
            if (out == null) {
                out = ByteBuffer.allocate(one.length * values.size());
            }
            out.put(one);
        }
        return out == null ? new byte[0] : out.array();
    }

    /** Decodes the first {@code count} elements of a C array of {@code type} laid out in {@code bytes}. */
    public static <R extends Record> List<R> decodeArray(Class<R> type, byte[] bytes, int count) {
        int size = sizeOf(type);
        if (bytes.length < (long) size * count) {
            throw new IllegalArgumentException(count + " x " + type.getSimpleName() + " need " + (long) size * count
                    + " bytes, got " + bytes.length);
        }
        List<R> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(decode(type, Arrays.copyOfRange(bytes, i * size, (i + 1) * size)));
        }
        return List.copyOf(out);
    }

    private static Layout layout(Class<?> type) {
        return LAYOUTS.computeIfAbsent(type, Uapi::computeLayout);
    }

    private static Layout computeLayout(Class<?> type) {
        if (!type.isRecord()) {
            throw new IllegalArgumentException(type + " is not a record");
        }
        RecordComponent[] rc = type.getRecordComponents();
        List<Member> members = new ArrayList<>();
        int offset = 0;
        int maxAlign = 1;
        Class<?>[] ctorTypes = new Class<?>[rc.length];
        for (int i = 0; i < rc.length; i++) {
            Class<?> t = rc[i].getType();
            ctorTypes[i] = t;
            int size;
            int align;
            if (t == byte.class) {
                size = 1;
                align = 1;
            } else if (t == short.class) {
                size = 2;
                align = 2;
            } else if (t == int.class) {
                size = 4;
                align = 4;
            } else if (t == long.class) {
                size = 8;
                align = 8;
            } else if (t == byte[].class && rc[i].isAnnotationPresent(CArray.class)) {
                CArray a = rc[i].getAnnotation(CArray.class);
                size = a.length();
                align = a.align();
            } else {
                throw new IllegalArgumentException(type.getSimpleName() + "." + rc[i].getName()
                        + ": unsupported member type " + t);
            }
            offset = (offset + align - 1) & -align;
            members.add(new Member(rc[i].getName(), t, offset, size));
            offset += size;
            maxAlign = Math.max(maxAlign, align);
        }
        int size = (offset + maxAlign - 1) & -maxAlign;
        try {
            Constructor<?> c = type.getDeclaredConstructor(ctorTypes);
            c.setAccessible(true);
            return new Layout(List.copyOf(members), size, c, rc);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(type + " has no canonical constructor", e);
        }
    }
}
