package org.enbd.launcher;

import java.util.function.Function;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Picocli converters for the launcher's value types: a parse failure becomes a one-line usage error. */
final class Converters {
    private Converters() {
    }

    private static <T> T convert(String text, Function<String, T> parse) {
        try {
            return parse.apply(text);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    static final class Listen implements ITypeConverter<ListenAddress> {
        @Override
        public ListenAddress convert(String text) {
            return Converters.convert(text, ListenAddress::parse);
        }
    }

    /**
     * A size in bytes, with the suffixes the backends take ({@code 32M}, {@code 64MiB}, {@code 512k}, {@code 1G},
     * powers of 1024) or none.
     */
    static final class Size implements ITypeConverter<Long> {
        @Override
        public Long convert(String text) {
            return Converters.convert(text, Size::parse);
        }

        static long parse(String text) {
            String t = text.trim();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\s*([kKmMgGtT]?)(i?[bB])?")
                    .matcher(t);
            if (!m.matches()) {
                throw new IllegalArgumentException("'" + text + "' is not a size (bytes, or with K, M, G, T: 32M)");
            }
            int shift = switch (m.group(2).toUpperCase(java.util.Locale.ROOT)) {
                case "K" -> 10;
                case "M" -> 20;
                case "G" -> 30;
                case "T" -> 40;
                default -> 0;
            };
            long value = Long.parseLong(m.group(1));
            if (value > (Long.MAX_VALUE >> shift)) {
                throw new IllegalArgumentException("'" + text + "' is too large");
            }
            return value << shift;
        }
    }

    static final class Export implements ITypeConverter<ExportSpec> {
        @Override
        public ExportSpec convert(String text) {
            return Converters.convert(text, ExportSpec::parse);
        }
    }
}
