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

    static final class Export implements ITypeConverter<ExportSpec> {
        @Override
        public ExportSpec convert(String text) {
            return Converters.convert(text, ExportSpec::parse);
        }
    }
}
