package io.lb4j.testsupport.api;

import java.io.File;
import java.io.IOException;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;

/**
 * The module path a module-path test needs, taken from the running test's class path (tests run on the class path):
 * every entry that is a named module, i.e. a directory or jar with a {@code module-info.class} (the lb4j modules under
 * test, Netty, slf4j, JUnit, ...) or a jar that names itself in its manifest ({@code Automatic-Module-Name}, e.g.
 * Micrometer). Entries whose module name would only be guessed from the file name are left out: on a module path
 * they would all be resolved together and could clash over a package.
 */
public final class ClassPathModules {

    private ClassPathModules() {
    }

    /** The entries, in class-path order. */
    public static List<Path> modulePath() {
        List<Path> modules = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            if (!entry.isEmpty() && Files.exists(path) && isNamedModule(path)) {
                modules.add(path);
            }
        }
        return modules;
    }

    /** {@link #modulePath()} joined for {@code --module-path}. */
    public static String modulePathArgument() {
        return String.join(File.pathSeparator, modulePath().stream().map(Path::toString).toList());
    }

    private static boolean isNamedModule(Path path) {
        if (Files.isDirectory(path)) {
            // A directory without module-info.class would be read as a directory of modules.
            return Files.isRegularFile(path.resolve("module-info.class"));
        }
        try {
            Set<ModuleReference> found = ModuleFinder.of(path).findAll();
            if (found.size() != 1) {
                return false;
            }
            ModuleDescriptor descriptor = found.iterator().next().descriptor();
            return !descriptor.isAutomatic() || namesItself(path);
        } catch (FindException e) {
            return false; // not a module at all (e.g. a jar whose file name gives no valid module name)
        }
    }

    private static boolean namesItself(Path jar) {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.getManifest() != null
                    && file.getManifest().getMainAttributes().getValue("Automatic-Module-Name") != null;
        } catch (IOException e) {
            return false;
        }
    }
}
