package dev.dnsflow;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The k8s module's place in the layering: above the engine ({@code proxy}), below the application
 * ({@code sidecar}). Exactly this module's classes are checked: its {@code target/classes} (there is
 * no class yet to find them from; an empty import fails the rule instead of passing it).
 */
class ArchitectureTest {
    private static JavaClasses k8s;

    @BeforeAll
    static void importK8s() {
        k8s = new ClassFileImporter().importPath(Path.of("target", "classes"));
    }

    @Test
    void k8sImportsNothingFromTheApplicationOrOpenTelemetry() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.dnsflow.cli..", "dev.dnsflow.sidecar..",
                        "picocli..", "io.opentelemetry..", "dev.dnsflow.otel..")
                .because("the application (sidecar/: Main, the commands, the sidecar) wires k8s's enrichment into the"
                        + " engine, never the reverse; k8s and the OpenTelemetry export each implement the engine's"
                        + " interfaces side by side, and only the application combines them")
                .check(k8s);
    }
}
