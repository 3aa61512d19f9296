package io.lb4j.testsupport.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A module's public API as text, one line each, in a stable order: what its {@code module-info.class} declares
 * (exports, qualified or not, opens, requires, uses, provides), then every public type of the packages it exports to
 * every module, with its public and protected members. Packages exported only {@code to} named lb4j modules are not
 * an embedder's API: they show as their {@code exports ... to} line, their types do not.
 *
 * <pre>
 * module io.lb4j.engine  exports io.lb4j.engine.packet.ha to io.lb4j.ha
 * io.lb4j.engine.packet.PacketEngine: public final class implements [io.lb4j.api.spi.ForwardingEngine]
 * io.lb4j.engine.packet.PacketEngine  public static io.lb4j.engine.packet.PacketEngine on(java.lang.String)
 * </pre>
 *
 * <p>Reads the compiled module (a directory or a modular jar) that holds a given class, and the classes through that
 * class's loader: tests run on the class path, where every class is reachable. {@link ApiSignatureAssert} compares it
 * with the module's checked-in {@code api-signature.txt}.
 */
public final class ApiSignature {

    private ApiSignature() {
    }

    /**
     * The signature of the module that contains {@code anyClassOfTheModule}.
     *
     * @throws IllegalArgumentException when that class's location has no {@code module-info.class}
     * @throws UncheckedIOException     when the location cannot be read
     */
    public static List<String> of(Class<?> anyClassOfTheModule) {
        ModuleReference module = moduleOf(anyClassOfTheModule);
        ModuleDescriptor descriptor = module.descriptor();
        List<String> lines = new ArrayList<>(moduleLines(descriptor));
        Set<String> exported = descriptor.exports().stream().filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        for (String name : classNames(module, exported)) {
            Class<?> c;
            try {
                c = Class.forName(name, false, anyClassOfTheModule.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("class " + name + " of module " + descriptor.name()
                        + " not loadable from " + anyClassOfTheModule.getName() + "'s class loader", e);
            }
            if (isVisible(c)) {
                describe(c, lines);
            }
        }
        return lines;
    }

    private static ModuleReference moduleOf(Class<?> c) {
        Path location;
        try {
            location = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalArgumentException("cannot tell where " + c.getName() + " was loaded from", e);
        }
        // A directory without module-info.class would be read as a directory of modules: say what is missing.
        List<ModuleReference> found = location.toFile().isDirectory() && !location.resolve("module-info.class")
                .toFile().isFile() ? List.of() : List.copyOf(ModuleFinder.of(location).findAll());
        if (found.size() != 1) {
            throw new IllegalArgumentException(location + ": no module-info.class (expected: the compiled module"
                    + " holding " + c.getName() + "; the signature covers what its module descriptor exports)");
        }
        return found.getFirst();
    }

    // "module M", then the descriptor's directives, sorted; java.base (implied) is left out.
    private static List<String> moduleLines(ModuleDescriptor d) {
        String prefix = "module " + d.name() + "  ";
        List<String> directives = new ArrayList<>();
        for (ModuleDescriptor.Exports e : d.exports()) {
            directives.add("exports " + e.source() + (e.isQualified() ? " to " + sortedJoin(e.targets()) : ""));
        }
        for (ModuleDescriptor.Opens o : d.opens()) {
            directives.add("opens " + o.source() + (o.isQualified() ? " to " + sortedJoin(o.targets()) : ""));
        }
        for (ModuleDescriptor.Requires r : d.requires()) {
            if (!r.modifiers().contains(ModuleDescriptor.Requires.Modifier.MANDATED)) {
                String modifiers = r.modifiers().stream().map(m -> m.name().toLowerCase(java.util.Locale.ROOT) + " ")
                        .sorted().collect(Collectors.joining());
                directives.add("requires " + modifiers + r.name());
            }
        }
        for (String service : d.uses()) {
            directives.add("uses " + service);
        }
        for (ModuleDescriptor.Provides p : d.provides()) {
            directives.add("provides " + p.service() + " with " + String.join(", ", p.providers()));
        }
        directives.sort(null);
        List<String> lines = new ArrayList<>();
        lines.add("module " + d.name() + ":" + (d.isOpen() ? " open" : "") + " module");
        directives.forEach(line -> lines.add(prefix + line));
        return lines;
    }

    private static String sortedJoin(Set<String> names) {
        return names.stream().sorted().collect(Collectors.joining(", "));
    }

    // The classes directly in the exported packages, ordered by their file names (nested types before their outer).
    private static List<String> classNames(ModuleReference module, Set<String> packages) {
        try (ModuleReader reader = module.open(); Stream<String> resources = reader.list()) {
            return resources.filter(r -> r.endsWith(".class"))
                    .filter(r -> r.lastIndexOf('/') > 0 && packages.contains(r.substring(0, r.lastIndexOf('/'))
                            .replace('/', '.')))
                    .filter(r -> !r.endsWith("/package-info.class"))
                    .sorted()
                    .map(r -> r.substring(0, r.length() - ".class".length()).replace('/', '.'))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the classes of module " + module.descriptor().name(), e);
        }
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
            header += " permits " + Arrays.stream(c.getPermittedSubclasses()).map(Class::getSimpleName).sorted()
                    .toList();
        }
        if (c.getGenericSuperclass() != null && c.getSuperclass() != Object.class && !c.isEnum() && !c.isRecord()) {
            header += " extends " + c.getGenericSuperclass().getTypeName();
        }
        if (c.getGenericInterfaces().length > 0) {
            header += " implements " + Arrays.stream(c.getGenericInterfaces()).map(Type::getTypeName).toList();
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
                members.add(type + "  field " + Modifier.toString(f.getModifiers()) + " "
                        + f.getGenericType().getTypeName() + " " + f.getName());
            }
        }
        for (Constructor<?> k : c.getDeclaredConstructors()) {
            if (isApi(k.getModifiers()) && !k.isSynthetic()) {
                members.add(type + "  new(" + params(k.getGenericParameterTypes()) + ")");
            }
        }
        for (Method m : c.getDeclaredMethods()) {
            if (isApi(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
                // TRANSIENT shares its bit with VARARGS, which Modifier.toString would print as "transient".
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

    private static String params(Type[] types) {
        return Arrays.stream(types).map(Type::getTypeName).collect(Collectors.joining(", "));
    }
}
