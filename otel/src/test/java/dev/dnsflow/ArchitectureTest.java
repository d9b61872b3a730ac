package dev.dnsflow;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The otel module's place in the layering: above the engine ({@code proxy}), beside {@code k8s}, below the
 * application ({@code sidecar}). Exactly this module's classes are checked: its {@code target/classes}.
 */
class ArchitectureTest {
    private static JavaClasses otel;

    @BeforeAll
    static void importOtel() {
        otel = new ClassFileImporter().importPath(Path.of("target", "classes"));
    }

    @Test
    void otelImportsNothingFromTheApplicationOrKubernetes() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.dnsflow.cli..", "dev.dnsflow.sidecar..",
                        "picocli..", "dev.dnsflow.k8s..", "io.fabric8..")
                .because("the OpenTelemetry export implements the engine's interfaces beside k8s; only the application"
                        + " (sidecar/) combines them, and traces read cluster names from the flow (K8sNames), not the API")
                .check(otel);
    }
}
