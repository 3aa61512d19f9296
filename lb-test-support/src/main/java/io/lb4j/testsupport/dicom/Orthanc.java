package io.lb4j.testsupport.dicom;

import io.lb4j.testsupport.netns.Host;
import io.lb4j.testsupport.process.ChildProcess;
import io.lb4j.testsupport.process.Command;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real PACS for the tests: Debian's Orthanc ({@code apt-get install orthanc}) run inside a namespace lab's host,
 * DICOM on port {@value #DICOM_PORT} and its REST API on {@value #HTTP_PORT}. Each one has a configuration of its
 * own in a directory the test gives (the lab's {@link io.lb4j.testsupport.netns.NetnsLab#directory()}, so it goes
 * with the lab), its storage and index there too: no authentication, remote access allowed, any calling AET and any
 * called AET accepted, no plugins. The Debian package's own service and {@code /etc/orthanc} are neither needed nor
 * touched. The REST API is asked with {@code curl} inside the host's namespace.
 *
 * <pre>{@code
 * Orthanc pacs = Orthanc.start(lab.host("primary"), "PRIMARY", lab.directory().resolve("primary"), ANSWER);
 * Optional<String> id = pacs.instance(image.sopInstanceUid());
 * pacs.download(id.orElseThrow(), lab.directory().resolve("stored.dcm"));
 * }</pre>
 */
public final class Orthanc implements AutoCloseable {

    /** The DICOM port, the standard one. */
    public static final int DICOM_PORT = 104;
    /** The REST API's port, Orthanc's default. */
    public static final int HTTP_PORT = 8042;

    private static final Pattern LOOKUP = Pattern.compile(
            "\\{[^}]*\"ID\"\\s*:\\s*\"([0-9a-f-]+)\"[^}]*\"Type\"\\s*:\\s*\"Instance\"[^}]*}");

    private final Host host;
    private final String aet;
    private final ChildProcess process;
    private final Duration startup;

    private Orthanc(Host host, String aet, ChildProcess process, Duration startup) {
        this.host = host;
        this.aet = aet;
        this.process = process;
        this.startup = startup;
    }

    /**
     * Why Orthanc cannot run here, or empty: the programs it needs ({@code Orthanc}, and {@code curl} for its API),
     * each with the Debian package that brings it. For {@code assumeTrue(...)}.
     */
    public static Optional<String> unavailable() {
        return Command.missing("Orthanc", "curl");
    }

    /**
     * Starts Orthanc in {@code host} as {@code aet}, with its configuration, storage and index in {@code directory}
     * (created), and returns once its REST API answers with that AET.
     *
     * @throws AssertionError with Orthanc's output when it exits or does not answer within {@code timeout}
     */
    public static Orthanc start(Host host, String aet, Path directory, Duration timeout) {
        Path config = directory.resolve("orthanc.json");
        try {
            Files.createDirectories(directory.resolve("storage"));
            Files.createDirectories(directory.resolve("index"));
            Files.writeString(config, configuration(aet, directory));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write Orthanc's configuration in " + directory, e);
        }
        long start = System.nanoTime();
        ChildProcess process = host.start(host.name() + "-orthanc", List.of("Orthanc", config.toString()));
        awaitReady(host, aet, process, start, timeout);
        return new Orthanc(host, aet, process, Duration.ofNanos(System.nanoTime() - start));
    }

    private static String configuration(String aet, Path directory) {
        return """
                {
                  "Name": "lb4j-%1$s",
                  "DicomAet": "%1$s",
                  "DicomPort": %2$d,
                  "HttpPort": %3$d,
                  "StorageDirectory": "%4$s",
                  "IndexDirectory": "%5$s",
                  "RemoteAccessAllowed": true,
                  "AuthenticationEnabled": false,
                  "DicomCheckCalledAet": false,
                  "DicomAlwaysAllowEcho": true,
                  "DicomAlwaysAllowStore": true,
                  "DicomCheckModalityHost": false,
                  "StorageCompression": false,
                  "SaveJobs": false,
                  "Plugins": []
                }
                """.formatted(aet, DICOM_PORT, HTTP_PORT, json(directory.resolve("storage")),
                json(directory.resolve("index")));
    }

    private static String json(Path path) {
        return path.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** Polls {@code GET /system} until it answers with this AET, pacing with 50 ms between tries. */
    private static void awaitReady(Host host, String aet, ChildProcess process, long start, Duration timeout) {
        long deadline = start + timeout.toNanos();
        String expected = "\"DicomAet\" : \"" + aet + "\"";
        Command.Result last;
        while (true) {
            last = host.attempt("curl", "-sS", "--max-time", "2", url(host, "/system"));
            if (last.exitCode() == 0 && last.output().contains(expected)) {
                return;
            }
            if (!process.isAlive() || System.nanoTime() - deadline > 0) {
                throw new AssertionError(host.name() + ": Orthanc " + aet + (process.isAlive()
                        ? " does not answer on " + url(host, "/system") + " within " + timeout : " exited on start")
                        + "; last answer: " + last.output().strip() + "; its output:\n" + process.text());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    private static String url(Host host, String path) {
        return "http://" + host.address() + ":" + HTTP_PORT + path;
    }

    /** The AET it answers as. */
    public String aet() {
        return aet;
    }

    /** The host it runs in. */
    public Host host() {
        return host;
    }

    /** The Orthanc process, for its output. */
    public ChildProcess process() {
        return process;
    }

    /** From the start of the program until its REST API answered. */
    public Duration startup() {
        return startup;
    }

    /**
     * The Orthanc id of the stored instance whose SOP Instance UID is {@code sopInstanceUid}
     * ({@code POST /tools/lookup}), or empty when it has none.
     *
     * @throws java.io.UncheckedIOException when the API does not answer
     */
    public Optional<String> instance(String sopInstanceUid) {
        String answer = host.run("curl", "-sSf", "--max-time", "10", "-X", "POST", "--data-binary", sopInstanceUid,
                url(host, "/tools/lookup"));
        Matcher m = LOOKUP.matcher(answer);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /**
     * Writes the stored DICOM file of instance {@code id} ({@code GET /instances/{id}/file}) to {@code file}, as the
     * PACS would give it to a viewer; returns {@code file}.
     *
     * @throws java.io.UncheckedIOException when the API does not answer or has no such instance
     */
    public Path download(String id, Path file) {
        host.run("curl", "-sSf", "--max-time", "60", "-o", file.toAbsolutePath().toString(),
                url(host, "/instances/" + id + "/file"));
        return file;
    }

    /** Ends Orthanc (SIGTERM, then SIGKILL); its storage stays in the directory until the lab removes it. */
    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return "Orthanc " + aet + " in " + host.name();
    }
}
