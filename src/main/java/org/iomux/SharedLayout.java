package org.iomux;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What lives in a {@link SharedMemory} region: named fields at fixed, aligned offsets, like a C
 * struct that several processes agree on. Build one with {@link #builder()}; every process that
 * opens the region builds the same layout, and {@link SharedMemory#openOrCreate} checks that it
 * matches the one the region was created with (size and a fingerprint of every field).
 *
 * <pre>{@code
 * SharedLayout layout = SharedLayout.builder()
 *         .mutex("lock")              // a SharedMutex: pthread_mutex_t plus a magic word
 *         .int64("counter")
 *         .bytes("name", 64)
 *         .build();
 * int counter = layout.offset("counter");
 * }</pre>
 *
 * <h2>Memory layout</h2>
 * <pre>
 * offset 0   u64  magic "iomuxSH1", stored last (release) by the creator: the region is ready
 * offset 8   u32  layout size        \ written before the magic, checked by every opener
 * offset 12  u32  layout fingerprint /
 * offset 16  the fields, in the order given, each at the next multiple of its alignment
 *            (or at an explicit offset, see {@link Builder#at}); a mutex field is
 *            {@link SharedMutex#size(Backend)} bytes, 8-byte aligned (see {@link SharedMutex})
 * </pre>
 * The total size is rounded up to a multiple of 8. The layout depends on the machine
 * ({@code pthread_mutex_t} is 40 bytes on x86_64, 48 on aarch64) but not on the backend: all three
 * see the C library's {@code sizeof}, so processes using different backends share one region.
 *
 * <p>Immutable and thread-safe; the builder is not thread-safe.
 */
public final class SharedLayout {
    /** Bytes reserved at offset 0 for the region header (magic, size, fingerprint). */
    public static final int HEADER_SIZE = 16;
    /** The region header's magic word: {@code "iomuxSH1"}, the last byte being the format version. */
    static final long MAGIC = 0x69_6f_6d_75_78_53_48_31L;
    static final int MAGIC_OFFSET = 0;
    static final int SIZE_OFFSET = 8;
    static final int FINGERPRINT_OFFSET = 12;

    /** One field: where it is, how long, and whether it is a {@link SharedMutex}. */
    private static final class Field {
        final String name;
        final int offset;
        final int size;
        final int alignment;
        final boolean mutex;

        Field(String name, int offset, int size, int alignment, boolean mutex) {
            this.name = name;
            this.offset = offset;
            this.size = size;
            this.alignment = alignment;
            this.mutex = mutex;
        }
    }

    private final Map<String, Field> fields;
    private final int size;
    private final int fingerprint;

    private SharedLayout(Map<String, Field> fields, int size) {
        this.fields = Collections.unmodifiableMap(fields);
        this.size = size;
        this.fingerprint = describe().hashCode(); // String.hashCode is specified, so the same in every JVM
    }

    /** A builder for a layout; fields are placed in the order they are added. */
    public static Builder builder() {
        return new Builder();
    }

    /** The region's size in bytes: the header, every field, rounded up to a multiple of 8. */
    public int size() {
        return size;
    }

    /** The field names, in offset order. */
    public List<String> names() {
        return List.copyOf(fields.keySet());
    }

    /** The names of the {@link SharedMutex} fields, in offset order. */
    public List<String> mutexes() {
        List<String> names = new ArrayList<>();
        for (Field f : fields.values()) {
            if (f.mutex) {
                names.add(f.name);
            }
        }
        return names;
    }

    /** The byte offset of field {@code name} from the start of the region. */
    public int offset(String name) {
        return field(name).offset;
    }

    /** The size in bytes of field {@code name}. */
    public int size(String name) {
        return field(name).size;
    }

    /** Whether field {@code name} is a {@link SharedMutex}. */
    public boolean isMutex(String name) {
        return field(name).mutex;
    }

    /** A number that differs, with high probability, between layouts that differ in any field. */
    public int fingerprint() {
        return fingerprint;
    }

    private Field field(String name) {
        Field f = fields.get(Objects.requireNonNull(name, "name"));
        if (f == null) {
            throw new IllegalArgumentException("no field '" + name + "' in " + this);
        }
        return f;
    }

    /** One line per field: {@code name@offset+size/alignment}, and the total size. */
    String describe() {
        StringBuilder s = new StringBuilder();
        for (Field f : fields.values()) {
            s.append(f.mutex ? "mutex " : "").append(f.name).append('@').append(f.offset).append('+').append(f.size)
                    .append('/').append(f.alignment).append('\n');
        }
        return s.append("size ").append(size).toString();
    }

    @Override
    public String toString() {
        return "SharedLayout[" + describe().replace('\n', ',').replace(",size ", "; size ") + "]";
    }

    /**
     * Builds a {@link SharedLayout}. Each field goes at the next offset that is a multiple of its
     * alignment, or at the offset given with {@link #at(int)}, which must be aligned and must not
     * overlap an earlier field. Names must be unique.
     */
    public static final class Builder {
        /** As given: offset -1 means "next free"; a mutex's size (-1) is known at build time only. */
        private final List<Field> requested = new ArrayList<>();
        private int explicitOffset = -1;

        private Builder() {}

        /** Places the next field at {@code offset} (from the start of the region) instead of the next free one. */
        public Builder at(int offset) {
            if (offset < HEADER_SIZE) {
                throw new IllegalArgumentException("offset " + offset + " is inside the " + HEADER_SIZE + "-byte header");
            }
            explicitOffset = offset;
            return this;
        }

        /** A {@link SharedMutex}: {@link SharedMutex#size(Backend)} bytes, {@value SharedMutex#ALIGNMENT}-byte aligned. */
        public Builder mutex(String name) {
            return add(name, -1, SharedMutex.ALIGNMENT, true);
        }

        /** A 4-byte int, 4-byte aligned. */
        public Builder int32(String name) {
            return add(name, 4, 4, false);
        }

        /** An 8-byte long, 8-byte aligned (so it can be used with the atomic accessors). */
        public Builder int64(String name) {
            return add(name, 8, 8, false);
        }

        /** {@code length} bytes, 1-byte aligned. */
        public Builder bytes(String name, int length) {
            return add(name, length, 1, false);
        }

        /** {@code size} bytes aligned to {@code alignment} (a power of two, at most 4096). */
        public Builder field(String name, int size, int alignment) {
            if (alignment < 1 || alignment > 4096 || Integer.bitCount(alignment) != 1) {
                throw new IllegalArgumentException("alignment " + alignment + " of '" + name
                        + "' is not a power of two in [1, 4096]");
            }
            return add(name, size, alignment, false);
        }

        private Builder add(String name, int size, int alignment, boolean mutex) {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("empty field name");
            }
            if (!mutex && size < 1) {
                throw new IllegalArgumentException("field '" + name + "' has size " + size + " < 1");
            }
            for (Field f : requested) {
                if (f.name.equals(name)) {
                    throw new IllegalArgumentException("field '" + name + "' is defined twice");
                }
            }
            requested.add(new Field(name, explicitOffset, size, alignment, mutex));
            explicitOffset = -1;
            return this;
        }

        /** The layout with the default backend's {@code pthread_mutex_t} size. */
        public SharedLayout build() {
            return build(Backends.defaultBackend());
        }

        /**
         * The layout, with mutex fields sized for {@code backend} (all backends agree on one machine).
         *
         * @throws IllegalArgumentException if an explicit offset is misaligned or overlaps, or the
         *         layout exceeds 2 GiB
         */
        public SharedLayout build(Backend backend) {
            Map<String, Field> fields = new LinkedHashMap<>();
            long end = HEADER_SIZE;
            int mutexSize = SharedMutex.size(backend);
            for (Field r : requested) {
                String name = r.name;
                boolean mutex = r.mutex;
                int size = mutex ? mutexSize : r.size;
                int alignment = r.alignment;
                int explicit = r.offset;
                long offset;
                if (explicit >= 0) {
                    if (explicit % alignment != 0) {
                        throw new IllegalArgumentException("field '" + name + "' at offset " + explicit + " is not "
                                + alignment + "-byte aligned");
                    }
                    if (explicit < end) {
                        throw new IllegalArgumentException("field '" + name + "' at offset " + explicit
                                + " overlaps the field before it, which ends at " + end);
                    }
                    offset = explicit;
                } else {
                    offset = (end + alignment - 1) & -(long) alignment;
                }
                end = offset + size;
                if (end > Integer.MAX_VALUE - 8) {
                    throw new IllegalArgumentException("layout exceeds 2 GiB at field '" + name + "'");
                }
                fields.put(name, new Field(name, (int) offset, size, alignment, mutex));
            }
            return new SharedLayout(fields, (int) ((end + 7) & ~7L));
        }
    }
}
