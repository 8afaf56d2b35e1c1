package org.enbd.protocol;

import java.util.HashMap;
import java.util.Map;

/** A protocol constant with its wire value, and the checked lookup every such enum shares. */
public interface WireEnum {
    /** The value on the wire. */
    int value();

    /**
     * A lookup table from wire value to constant that refuses duplicate values when the enum is loaded, so a
     * typo in a constant fails at once instead of decoding wrongly.
     */
    static <E extends Enum<E> & WireEnum> Map<Integer, E> index(Class<E> type) {
        Map<Integer, E> byValue = new HashMap<>();
        for (E e : type.getEnumConstants()) {
            E previous = byValue.put(e.value(), e);
            if (previous != null) {
                throw new IllegalStateException(type.getSimpleName() + ": " + previous + " and " + e
                        + " share value " + e.value());
            }
        }
        return Map.copyOf(byValue);
    }
}
