package org.enbd.api.layer;

/**
 * Block size constraints advertised with NBD_INFO_BLOCK_SIZE (proto.md, "Block size constraints").
 *
 * @param minimum   smallest request alignment the layer honours (1 for byte-granular layers; a power of two)
 * @param preferred alignment and size that performs best (a power of two, at least {@code minimum})
 * @param maximum   largest payload a request may carry (a multiple of {@code minimum})
 */
public record BlockSizes(int minimum, int preferred, int maximum) {
    /** What suits most layers: byte granularity, 4 KiB preferred, 32 MiB payloads. */
    public static final BlockSizes DEFAULT = new BlockSizes(1, 4096, 32 << 20);

    public BlockSizes {
        if (Integer.bitCount(minimum) != 1 || Integer.bitCount(preferred) != 1 || preferred < minimum
                || maximum < preferred || maximum % minimum != 0) {
            throw new IllegalArgumentException("invalid block sizes: min " + minimum + ", preferred " + preferred
                    + ", max " + maximum);
        }
    }
}
