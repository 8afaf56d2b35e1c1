package org.enbd.console.enbd.internal;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the page and the endpoints never show in clear: values of parameters whose name says they hold a secret
 * (password, key, psk, ...), the password in a URI's user information, and secret-named query parameters of a
 * URI ({@code nbds://h/e?tls-psk-file=...} keeps the name, hides the value).
 */
final class Redaction {
    static final String HIDDEN = "******";
    private static final Pattern USER_INFO = Pattern.compile("(\\w[\\w+.-]*://[^/@:\\s]*):[^/@\\s]*@");
    private static final Pattern QUERY = Pattern.compile("([?&;])([^=&;\\s]+)=([^&;\\s]*)");

    private final List<String> secretWords;

    /** @param secretWords parameter names containing any of these (case-insensitive) hold secrets */
    Redaction(List<String> secretWords) {
        this.secretWords = secretWords.stream().map(w -> w.trim().toLowerCase(Locale.ROOT))
                .filter(w -> !w.isEmpty()).toList();
    }

    boolean secret(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return secretWords.stream().anyMatch(n::contains);
    }

    /** A parameter's value as shown. */
    Object value(String name, Object value) {
        if (secret(name)) {
            return HIDDEN;
        }
        return value instanceof String s ? text(s) : value;
    }

    /** Free text (a detail, a URI) with URI passwords and secret query values hidden. */
    String text(String s) {
        if (s == null || s.isEmpty()) {
            return s;
        }
        String out = USER_INFO.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + ":" + HIDDEN + "@"));
        return QUERY.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + m.group(2) + "="
                + (secret(m.group(2)) ? HIDDEN : m.group(3))));
    }
}
