# Sourced by ./enbd and ./test: finds a JDK 25 or newer and exports JAVA_HOME (the default java may be 17).
# Looks at JAVA_HOME first, then /usr/lib/jvm/*25* and temurin-25*, then any other JDK under /usr/lib/jvm.

enbd_jdk_major() { # prints the feature version of the JDK at $1, or nothing
    local home=$1 version=""
    [[ -x "$home/bin/java" && -x "$home/bin/javac" ]] || return 0
    if [[ -f "$home/release" ]]; then
        version=$(sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$home/release")
    fi
    if [[ -z "$version" ]]; then
        version=$("$home/bin/java" -XshowSettings:properties -version 2>&1 \
            | sed -n 's/^ *java.specification.version = \([0-9][0-9]*\).*/\1/p')
    fi
    printf '%s' "$version"
}

enbd_find_jdk25() {
    local candidate major
    for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*25* /usr/lib/jvm/temurin-25* /usr/lib/jvm/*; do
        [[ -n "$candidate" && -d "$candidate" ]] || continue
        major=$(enbd_jdk_major "$candidate")
        if [[ -n "$major" && "$major" -ge 25 ]]; then
            export JAVA_HOME="$candidate"
            return 0
        fi
    done
    echo "enbd: no JDK 25 found (JAVA_HOME=${JAVA_HOME:-unset}, nothing under /usr/lib/jvm): install Temurin 25" \
        "and set JAVA_HOME to it" >&2
    return 1
}
