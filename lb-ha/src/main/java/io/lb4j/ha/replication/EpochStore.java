package io.lb4j.ha.replication;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The publisher's replication epoch, persisted so that it only ever grows: each start reads the last epoch from
 * {@value #FILE_NAME} in the state directory and writes the next one before anything is sent. A wall-clock epoch
 * goes backwards with the clock (a primary restarted with its clock behind was answered STALE forever); this one
 * does not. The file is replaced atomically (written to a temporary file, forced to disk, renamed over the old one),
 * so a crash leaves the old epoch or the new one, never a torn file.
 */
final class EpochStore {

    static final String FILE_NAME = "replication-epoch";

    private EpochStore() {
    }

    /**
     * The next epoch for a publisher using {@code directory}: one more than the stored one (1 when there is none),
     * already written back. Creates the directory when missing.
     *
     * @throws UncheckedIOException     when the directory or file cannot be read or written, naming the path
     * @throws IllegalStateException    when the file holds something else than an epoch (it is left alone)
     */
    static long next(Path directory) {
        Path file = directory.resolve(FILE_NAME);
        try {
            Files.createDirectories(directory);
            long previous = read(file);
            long next = Math.addExact(previous, 1);
            write(directory, file, next);
            return next;
        } catch (IOException e) {
            throw new UncheckedIOException("replication epoch: " + file + " cannot be read or written (expected: a"
                    + " directory this process can write; set stateDirectory)", e);
        }
    }

    private static long read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            return 0;
        }
        try {
            long epoch = Long.parseLong(text);
            if (epoch >= 0) {
                return epoch;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalStateException("replication epoch: " + file + " holds \"" + text + "\" (expected: a"
                + " non-negative decimal number; restore the file, or delete it and restart the secondary so that"
                + " it accepts epochs from 1 again)");
    }

    private static void write(Path directory, Path file, long epoch) throws IOException {
        Path temporary = Files.createTempFile(directory, FILE_NAME, ".tmp");
        try {
            try (FileChannel c = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                c.write(StandardCharsets.US_ASCII.encode(epoch + "\n"));
                c.force(true);
            }
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
        forceDirectory(directory);
    }

    // The rename is durable only once the directory entry is on disk too (Linux: fsync on the directory).
    private static void forceDirectory(Path directory) {
        try (FileChannel d = FileChannel.open(directory, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Not every file system lets a directory be opened or forced; the rename itself is still atomic.
        }
    }
}
