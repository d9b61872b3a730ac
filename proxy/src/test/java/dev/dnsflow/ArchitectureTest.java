package dev.dnsflow;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.dnsflow.server.DnsProxy;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * The engine's layering, checked in the build so a change cannot quietly undo it: no package cycles
 * (each stage's package can be read, tested and moved on its own), and nothing from the modules built
 * on it. The layers are {@code proxy} (this engine) ← {@code k8s} ← the application ({@code sidecar}:
 * Main, the picocli commands, the Corefile tooling, the demo), each depending only on those below.
 *
 * <p>Exactly this module's classes are checked (its {@code target/classes}, found from an engine class),
 * not whatever else is on the test classpath.
 */
class ArchitectureTest {
    private static JavaClasses engine;

    @BeforeAll
    static void importEngine() throws URISyntaxException {
        Path classes = Path.of(DnsProxy.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        engine = new ClassFileImporter().importPath(classes);
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("dev.dnsflow.(*)..").should().beFreeOfCycles()
                .because("each stage's package can be read, tested and moved on its own")
                .check(engine);
    }

    @Test
    void theEngineImportsNothingFromTheApplicationOrItsCommandLine() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("picocli..", "dev.dnsflow.cli..",
                        "dev.dnsflow.corefile..", "dev.dnsflow.demo..", "dev.dnsflow.sidecar..", "dev.dnsflow.k8s..",
                        "dev.dnsflow.otel..")
                .because("the command line, the Corefile tooling, the demo and the sidecar (sidecar/), the Kubernetes"
                        + " module (k8s/) and the OpenTelemetry export (otel/) are built on the engine, never the reverse: the engine is configured through"
                        + " ProxyConfig and can be embedded, tested and benchmarked without them")
                .check(engine);
    }

    @Test
    void theEngineImportsNoKubernetesOrOpenTelemetryClass() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.fabric8..", "io.opentelemetry..")
                .because("k8s/ and the OpenTelemetry export implement the engine's interfaces, never the reverse")
                .check(engine);
    }

    @Test
    void theEngineUsesDnsjavaOnlyForItsMnemonicTables() {
        noClasses().should().dependOnClassesThat(resideInAPackage("org.xbill..")
                        .and(not(belongToAnyOf(Type.class, Rcode.class, DClass.class))))
                .because("the engine reads and writes DNS messages itself (dev.dnsflow.wire), allocation-free on the"
                        + " hot path; dnsjava only names types, classes and rcodes (flows, chaos rules, filters, metric"
                        + " labels), and its resolver and message classes belong to the demo and the tests")
                .check(engine);
    }
}
