package io.lb4j.api;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pins lb-api's public surface: every public type outside {@code internal} packages and its public and protected
 * members, against the checked-in {@code api-signature.txt}. An accidental change fails here; an intended one is
 * accepted by copying {@code target/api-signature.actual.txt} over {@code api-signature.txt} in the same commit, so
 * the review shows it.
 */
class PublicApiSignatureTest {

    private static final Path CLASSES = Path.of("target", "classes");
    private static final Path EXPECTED = Path.of("api-signature.txt");
    private static final Path ACTUAL = Path.of("target", "api-signature.actual.txt");

    @Test
    void thePublicApiIsExactlyTheCheckedInSignature() throws IOException {
        List<String> actual = signature();
        Files.write(ACTUAL, actual, StandardCharsets.UTF_8);
        List<String> expected = Files.exists(EXPECTED) ? Files.readAllLines(EXPECTED, StandardCharsets.UTF_8) : List.of();
        assertThat(actual)
                .as("lb-api's public API changed; if intended, copy %s over %s", ACTUAL.toAbsolutePath(),
                        EXPECTED.toAbsolutePath())
                .containsExactlyElementsOf(expected);
    }

    private static List<String> signature() throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.walk(CLASSES.resolve("io/lb4j/api"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
                String name = CLASSES.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", "");
                if (name.contains(".internal.") || name.endsWith("package-info")) {
                    continue;
                }
                Class<?> c;
                try {
                    c = Class.forName(name, false, PublicApiSignatureTest.class.getClassLoader());
                } catch (ClassNotFoundException e) {
                    throw new IllegalStateException(e);
                }
                if (!isVisible(c)) {
                    continue;
                }
                describe(c, lines);
            }
        }
        return lines;
    }

    private static boolean isVisible(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
            if (!Modifier.isPublic(k.getModifiers())) {
                return false;
            }
        }
        return !c.isAnonymousClass() && !c.isSynthetic();
    }

    private static void describe(Class<?> c, List<String> lines) {
        String type = c.getName();
        String kind = c.isRecord() ? "record" : c.isEnum() ? "enum" : c.isInterface() ? "interface" : "class";
        String header = type + ": " + Modifier.toString(c.getModifiers() & ~Modifier.INTERFACE) + " " + kind;
        if (c.isSealed()) {
            header += " permits " + Arrays.stream(c.getPermittedSubclasses()).map(Class::getSimpleName).sorted().toList();
        }
        if (c.getGenericSuperclass() != null && c.getSuperclass() != Object.class && !c.isEnum() && !c.isRecord()) {
            header += " extends " + c.getGenericSuperclass().getTypeName();
        }
        if (c.getGenericInterfaces().length > 0) {
            header += " implements " + Arrays.stream(c.getGenericInterfaces()).map(t -> t.getTypeName()).toList();
        }
        lines.add(header);
        List<String> members = new ArrayList<>();
        if (c.isRecord()) {
            for (RecordComponent rc : c.getRecordComponents()) {
                members.add(type + "  component " + rc.getGenericType().getTypeName() + " " + rc.getName());
            }
        }
        for (Field f : c.getDeclaredFields()) {
            if (isApi(f.getModifiers()) && !f.isSynthetic()) {
                members.add(type + "  field " + Modifier.toString(f.getModifiers()) + " " + f.getGenericType().getTypeName()
                        + " " + f.getName());
            }
        }
        for (Constructor<?> k : c.getDeclaredConstructors()) {
            if (isApi(k.getModifiers()) && !k.isSynthetic()) {
                members.add(type + "  new(" + params(k.getGenericParameterTypes()) + ")");
            }
        }
        for (Method m : c.getDeclaredMethods()) {
            if (isApi(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
                members.add(type + "  " + Modifier.toString(m.getModifiers() & ~Modifier.TRANSIENT) + " "
                        + m.getGenericReturnType().getTypeName() + " " + m.getName() + "("
                        + params(m.getGenericParameterTypes()) + ")");
            }
        }
        members.sort(null);
        lines.addAll(members);
    }

    private static boolean isApi(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static String params(java.lang.reflect.Type[] types) {
        return String.join(", ", Arrays.stream(types).map(java.lang.reflect.Type::getTypeName).toList());
    }
}
