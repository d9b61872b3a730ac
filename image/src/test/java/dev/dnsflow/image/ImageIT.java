package dev.dnsflow.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.dnsflow.peers.Peers;

/**
 * The image tar that {@code package} wrote (an OCI layout: index.json, blobs), taken apart with plain tar the way a
 * container runtime would: its config says who runs what, and its layers, unpacked into a root filesystem, run
 * {@code dnsflow --version}, a short {@code dnsflow demo} and a TLS client, as the image's user, with nothing from
 * this machine but the kernel. Running needs root (chroot, mounts in a private namespace: /proc, which the loader
 * needs to find libjli.so, and the four device nodes the JVM reads); without it those tests are skipped, or fail
 * under {@value Peers#REQUIRE_ENV}=1, as CI runs.
 */
class ImageIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MIB = 1024 * 1024;
    private static final List<String> ENTRYPOINT = List.of("/opt/java/bin/java", "-XX:MaxRAMPercentage=60", "-Xmn48m",
            "-XX:+UseSerialGC", "-jar", "/opt/dnsflow/dnsflow.jar");

    private static Path layout;
    private static Path rootfs;
    private static JsonNode manifest;
    private static JsonNode config;

    @BeforeAll
    static void unpack() throws Exception {
        Path tar = Path.of(System.getProperty("image.tar"));
        Path work = tar.resolveSibling("image-it");
        ok(run(List.of("rm", "-rf", work.toString()), 60));
        layout = Files.createDirectories(work.resolve("layout"));
        rootfs = Files.createDirectories(work.resolve("rootfs"));
        ok(run(List.of("tar", "-xf", tar.toString(), "-C", layout.toString()), 60));
        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        manifest = JSON.readTree(blob(index.at("/manifests/0/digest").asText()).toFile());
        config = JSON.readTree(blob(manifest.at("/config/digest").asText()).toFile());
        for (JsonNode layer : manifest.get("layers")) {
            ok(run(List.of("tar", "--warning=no-unknown-keyword", "-xzf", blob(layer.get("digest").asText()).toString(),
                    "-C", rootfs.toString()), 60));
        }
    }

    @Test
    void configRunsJavaAsNonrootAndNeedsNoShell() {
        JsonNode c = config.get("config");
        assertThat(c.get("User").asText()).isEqualTo("65532:65532");
        assertThat(JSON.convertValue(c.get("Entrypoint"), List.class)).isEqualTo(ENTRYPOINT);
        assertThat(c.has("Cmd") && !c.get("Cmd").isNull()).as("no Cmd").isFalse();
        assertThat(JSON.convertValue(c.get("Env"), List.class)).containsExactly("LANG=C.UTF-8");
        // reproducible: Jib's fixed times, not the build's
        assertThat(config.get("created").asText()).isEqualTo("1970-01-01T00:00:00Z");
        assertThat(rootfs.resolve("bin/sh")).doesNotExist();
        assertThat(rootfs.resolve("opt/java/bin/java")).isExecutable();
        assertThat(rootfs.resolve("opt/dnsflow/dnsflow.jar")).isRegularFile();
        assertThat(rootfs.resolve("etc/passwd")).content().contains("nonroot:x:65532:65532:");
    }

    /**
     * The runtime and its glibc are this build machine's (jlink, ldd), x86-64: the config says linux/amd64, so a
     * runtime that pulls by platform (or an arm64 node) never takes it for something else.
     */
    @Test
    void configSaysLinuxAmd64AsItsRuntimeIs() throws IOException {
        assertThat(config.path("os").asText()).isEqualTo("linux");
        assertThat(config.path("architecture").asText()).isEqualTo("amd64");
        byte[] elf = Files.readAllBytes(rootfs.resolve("opt/java/bin/java"));
        assertThat(Arrays.copyOf(elf, 4)).as("an ELF file").isEqualTo(new byte[] {0x7f, 'E', 'L', 'F'});
        assertThat(elf[18] | elf[19] << 8).as("e_machine: EM_X86_64").isEqualTo(0x3e);
    }

    @Test
    void imageIsUnder120MiB() throws IOException {
        long compressed = 0;
        for (JsonNode layer : manifest.get("layers")) {
            compressed += layer.get("size").asLong();
        }
        long unpacked;
        try (Stream<Path> files = Files.walk(rootfs)) {
            unpacked = files.filter(Files::isRegularFile).mapToLong(ImageIT::size).sum();
        }
        System.out.printf("image: layers %.1f MiB compressed, %.1f MiB unpacked%n",
                compressed / (double) MIB, unpacked / (double) MIB);
        assertThat(unpacked).isLessThan(120 * MIB);
    }

    @Test
    void runtimeHasEveryModuleTheJarNeeds() {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        int code = jdeps.run(print, print, "--print-module-deps", "--ignore-missing-deps", "--multi-release", "17",
                System.getProperty("image.jar"));
        String printed = out.toString(StandardCharsets.UTF_8).trim();
        assertThat(code).as(printed).isZero();
        List<String> included = Arrays.asList(System.getProperty("image.modules").split(","));
        assertThat(included).as("image.modules in image/pom.xml").containsAll(Arrays.asList(printed.split(",")));
    }

    @Test
    void printsItsVersionAsTheImageUser() {
        Result r = inImage(List.of("--version"), 60);
        assertThat(r.code).as(r.output).isZero();
        assertThat(r.output).contains("dnsflow " + System.getProperty("project.version"));
    }

    @Test
    void demoPrintsFlowsAsTheImageUser() {
        Result r = inImage(List.of("demo", "--duration", "3s"), 90);
        assertThat(r.code).as(r.output).isZero();
        assertThat(r.output).containsPattern("udp id=\\d+ → dnsflow → 127\\.0\\.0\\.1:\\d+ udp id=\\d+ .*"
                + "example\\.com\\. A  NOERROR 192\\.0\\.2\\.1");
    }

    /**
     * {@code dnsflow sidecar} as k8s/deploy runs it (its listen, dnstap and admin flags; an upstream instead of
     * /etc/resolv.conf) on what the manifest gives it: a read-only root, and emptyDirs at /tmp and /var/run/dnsflow.
     * It must answer its probes, and leave a dnstap socket CoreDNS (another uid) can connect to.
     */
    @Test
    void sidecarAnswersItsProbesOnAReadOnlyRootWithTheManifestsVolumes() throws Exception {
        requireRoot();
        int listen = Peers.freePort();
        int admin = Peers.freePort();
        int upstream = Peers.freePort();
        List<String> command = new ArrayList<>(JSON.convertValue(config.at("/config/Entrypoint"), List.class));
        command.addAll(List.of("sidecar", "--listen=127.0.0.1:" + listen,
                "--dnstap-listen=unix:/var/run/dnsflow/dnstap.sock", "--admin=127.0.0.1:" + admin,
                "--upstream=127.0.0.1:" + upstream, "--kubernetes=auto"));
        Path log = Files.createTempFile("image-it-sidecar", ".log");
        Process p = inRootfs(command, true).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int health = 0;
            int ready = 0;
            while ((health != 200 || ready != 200) && p.isAlive() && System.nanoTime() < until) {
                Thread.sleep(200);
                health = status(http, "http://127.0.0.1:" + admin + "/health");
                ready = status(http, "http://127.0.0.1:" + admin + "/ready");
            }
            String output = Files.readString(log);
            System.out.printf("sidecar: probes answered %.1f s after the start%n",
                    (System.nanoTime() - until) / 1e9 + 60);
            assertThat(p.isAlive()).as("sidecar still running:\n" + output).isTrue();
            assertThat(health).as("/health\n" + output).isEqualTo(200);
            assertThat(ready).as("/ready\n" + output).isEqualTo(200);
            // the container's filesystem, seen from here through the JVM's /proc/PID/root (it is pid 1 of its own)
            ProcessHandle java = p.descendants().filter(h -> h.info().command().orElse("").endsWith("/java"))
                    .findFirst().orElseThrow(() -> new AssertionError("no java under " + p.pid()));
            Path root = Path.of("/proc", Long.toString(java.pid()), "root");
            assertThatThrownBy(() -> Files.createFile(root.resolve("opt/written"))).as("the root is read-only")
                    .isInstanceOf(FileSystemException.class).hasMessageContaining("Read-only file system");
            Path socket = root.resolve("var/run/dnsflow/dnstap.sock");
            assertThat(Files.getPosixFilePermissions(socket)).as("CoreDNS, another uid, can connect")
                    .contains(PosixFilePermission.OTHERS_WRITE);
            assertThat(output).doesNotContainIgnoringCase("read-only file system");
        } finally {
            long stopping = System.nanoTime();
            // SIGTERM to dnsflow, as the kubelet sends it (unshare --fork ignores SIGTERM; SIGKILL below if need be)
            p.descendants().forEach(ProcessHandle::destroy);
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
            System.out.printf("sidecar: stopped in %.1f s%n", (System.nanoTime() - stopping) / 1e9);
            Files.deleteIfExists(log);
        }
    }

    private static int status(HttpClient http, String url) throws InterruptedException {
        try {
            HttpRequest get = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build();
            return http.send(get, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException notYet) {
            return 0;
        }
    }

    /** The API server's TLS (EC certificate, TLS 1.3) through java.net.http, with the image's runtime. */
    @Test
    void talksTlsWithAnEcCertificateThroughJavaNetHttp() throws IOException {
        requireRoot();
        Path probe = rootfs.resolve("probe");
        Path classes = Path.of(TlsProbe.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        Path target = Files.createDirectories(probe.resolve("dev/dnsflow/image"));
        Files.copy(classes.resolve("dev/dnsflow/image/TlsProbe.class"), target.resolve("TlsProbe.class"));
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Result key = run(List.of(keytool.toString(), "-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1",
                "-sigalg", "SHA256withECDSA", "-alias", "apiserver", "-dname", "CN=kubernetes", "-ext",
                "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-storepass", "changeit",
                "-keystore", probe.resolve("apiserver.p12").toString()), 60);
        ok(key);
        Result r = run(inRootfs(List.of("/opt/java/bin/java", "-cp", "/probe", "dev.dnsflow.image.TlsProbe",
                "/probe/apiserver.p12", "changeit"), false), 60);
        assertThat(r.code).as(r.output).isZero();
        assertThat(r.output).contains("tls ok TLSv1.3");
    }

    private static Result inImage(List<String> args, int timeoutSeconds) {
        List<String> command = new ArrayList<>(JSON.convertValue(config.at("/config/Entrypoint"), List.class));
        command.addAll(args);
        return run(inRootfs(command, false), timeoutSeconds);
    }

    /**
     * {@code command} inside the unpacked image as its user, with its environment only: in a private mount and PID
     * namespace (so nothing mounted there outlives the run) with /proc and /dev/{null,zero,random,urandom}, as a
     * container runtime provides them. {@code readOnlyRoot}: as the Kubernetes manifest runs it, the root read-only
     * (a read-only bind of the unpacked image onto itself) and empty writable tmpfs at /tmp and /var/run/dnsflow
     * (its emptyDirs). Killing the returned process kills everything in its namespace (--kill-child).
     */
    private static ProcessBuilder inRootfs(List<String> command, boolean readOnlyRoot) {
        requireRoot();
        Path unshare = Peers.require("unshare");
        Path chroot = Peers.require("chroot");
        try {
            Files.createDirectories(rootfs.resolve("proc"));
            Files.createDirectories(rootfs.resolve("dev"));
            Files.createDirectories(rootfs.resolve("var/run/dnsflow")); // a volume's mount point, as the runtime makes it
            for (String dev : List.of("null", "zero", "random", "urandom")) {
                Path node = rootfs.resolve("dev").resolve(dev);
                if (!Files.exists(node)) {
                    Files.createFile(node);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String readOnly = "mount --rbind \"$r\" \"$r\"; mount -o remount,bind,ro \"$r\"; "
                + "for d in tmp var/run/dnsflow; do mount -t tmpfs -o mode=0777,size=64m tmpfs \"$r/$d\"; done; ";
        String script = "set -e; r=$1; shift; " + (readOnlyRoot ? readOnly : "") + "for d in null zero random urandom; do mount --bind /dev/$d \"$r/dev/$d\"; done; "
                + "exec " + chroot + " --userspec=\"$USERSPEC\" \"$r\" \"$@\"";
        List<String> full = new ArrayList<>(List.of(unshare.toString(), "--mount", "--pid", "--fork", "--kill-child",
                "--mount-proc=" + rootfs.resolve("proc"), "/bin/sh", "-c", script, "sh", rootfs.toString()));
        full.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(full);
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"); // for the host's mount, not the image
        pb.environment().put("USERSPEC", config.at("/config/User").asText());
        for (JsonNode env : config.at("/config/Env")) {
            String[] kv = env.asText().split("=", 2);
            pb.environment().put(kv[0], kv[1]);
        }
        return pb;
    }

    private static void requireRoot() {
        if ("root".equals(System.getProperty("user.name"))) {
            return;
        }
        String why = "running the image's files needs root (chroot, mount): run the tests as root";
        if ("1".equals(System.getenv(Peers.REQUIRE_ENV))) {
            Assertions.fail(why + " (" + Peers.REQUIRE_ENV + "=1 makes this a failure)");
        }
        Assumptions.abort("skipped: " + why);
    }

    private static Path blob(String digest) {
        return layout.resolve("blobs").resolve(digest.replace(':', '/'));
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Result(int code, String output) {
    }

    private static void ok(Result r) {
        assertThat(r.code).as(r.output).isZero();
    }

    private static Result run(List<String> command, int timeoutSeconds) {
        return run(new ProcessBuilder(command), timeoutSeconds);
    }

    private static Result run(ProcessBuilder pb, int timeoutSeconds) {
        try {
            Path log = Files.createTempFile("image-it", ".log");
            try {
                Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                    Assertions.fail(pb.command() + " did not end within " + timeoutSeconds + " s:\n"
                            + Files.readString(log));
                }
                String output = Files.readString(log, StandardCharsets.UTF_8);
                return new Result(p.exitValue(), output);
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
