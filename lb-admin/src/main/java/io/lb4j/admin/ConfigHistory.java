package io.lb4j.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The last {@code keep} configurations the admin server ran, newest last, each with who applied it, when, how
 * (at start, an upload, a rollback, a {@code PUT /api/config}) and what it changed: the list an operator rolls back
 * from. In memory, or also one file per entry in a directory (the appliance's state directory), written atomically
 * and owner-only, so the history survives a restart; unreadable files there are skipped with a warning, never fatal.
 * Entries are numbered from 1 and never renumbered. Thread-safe.
 */
final class ConfigHistory {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigHistory.class);
    private static final String SUFFIX = ".json";

    /**
     * One configuration.
     *
     * @param id     its number, from 1, growing
     * @param at     when it was applied
     * @param user   who applied it ({@code system} at start)
     * @param action {@code startup}, {@code config.restore}, {@code config.rollback} or {@code config.replace}
     * @param change what it changed compared with the configuration before it, for people
     * @param text   the configuration as the server's codec writes it: what a download or a rollback uses
     */
    record Entry(long id, Instant at, String user, String action, String change, String text) {
        Entry {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(change, "change");
            Objects.requireNonNull(text, "text");
        }
    }

    private final int keep;
    private final Path directory; // null: in memory only
    private final Clock clock;
    private final Deque<Entry> entries = new ArrayDeque<>();
    private long lastId;

    /**
     * @param keep      how many entries to keep, at least 1
     * @param directory where to persist them, created if missing; null to keep them in memory only
     * @throws UncheckedIOException when the directory cannot be created or listed
     */
    ConfigHistory(int keep, Path directory, Clock clock) {
        if (keep < 1) {
            throw new IllegalArgumentException("admin.configHistory: " + keep + " (expected: at least 1)");
        }
        this.keep = keep;
        this.directory = directory;
        this.clock = Objects.requireNonNull(clock, "clock");
        if (directory != null) {
            load();
        }
    }

    /** How many entries are kept. */
    int keep() {
        return keep;
    }

    /** Appends an entry stamped now, dropping (and deleting) the oldest beyond {@link #keep()}. */
    synchronized Entry record(String user, String action, String change, String text) {
        Entry e = new Entry(++lastId, clock.instant(), user, action, change, text);
        entries.addLast(e);
        if (directory != null) {
            write(e);
        }
        while (entries.size() > keep) {
            Entry old = entries.removeFirst();
            if (directory != null) {
                delete(old);
            }
        }
        return e;
    }

    /** The entries, oldest first. */
    synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** The newest entry, if any. */
    synchronized Optional<Entry> latest() {
        return Optional.ofNullable(entries.peekLast());
    }

    /** The entry numbered {@code id}, if it is still kept. */
    synchronized Optional<Entry> entry(long id) {
        return entries.stream().filter(e -> e.id() == id).findFirst();
    }

    // ------------------------------------------------------------------------------------------------ files

    private void load() {
        List<Entry> found = new ArrayList<>();
        try {
            Files.createDirectories(directory);
            try (Stream<Path> files = Files.list(directory)) {
                for (Path f : files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).toList()) {
                    try {
                        found.add(read(f));
                    } catch (IOException | RuntimeException e) {
                        LOG.warn("configuration history: skipping {}: {}", f, e.toString());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("configuration history: cannot use directory " + directory, e);
        }
        found.sort((a, b) -> Long.compare(a.id(), b.id()));
        for (Entry e : found) {
            entries.addLast(e);
            lastId = Math.max(lastId, e.id());
        }
        while (entries.size() > keep) {
            delete(entries.removeFirst());
        }
    }

    private static Entry read(Path file) throws IOException {
        JsonNode n = Json.MAPPER.readTree(Files.readAllBytes(file));
        return new Entry(n.get("id").asLong(), Instant.parse(n.get("at").asText()), n.get("user").asText(),
                n.get("action").asText(), n.get("change").asText(), n.get("text").asText());
    }

    private Path file(Entry e) {
        return directory.resolve(String.format("config-%010d%s", e.id(), SUFFIX));
    }

    private void write(Entry e) {
        ObjectNode n = Json.object().put("id", e.id()).put("at", e.at().toString()).put("user", e.user())
                .put("action", e.action()).put("change", e.change()).put("text", e.text());
        Path target = file(e);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, Json.write(n), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException x) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | UnsupportedOperationException x) {
            // The configuration is applied already; losing its copy on disk must not undo that. Memory keeps it.
            LOG.warn("configuration history: cannot write {}: {}", target, x.toString());
        }
    }

    private void delete(Entry e) {
        try {
            Files.deleteIfExists(file(e));
        } catch (IOException x) {
            LOG.warn("configuration history: cannot delete {}: {}", file(e), x.toString());
        }
    }
}
