package dev.dnsflow;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine's layering, checked in the build so a change cannot quietly undo it: no package cycles
 * (each stage's package can be read, tested and moved on its own), and no Kubernetes or
 * OpenTelemetry class in the engine (the modules above implement its small interfaces).
 */
class ArchitectureTest {
    private static JavaClasses engine;

    @BeforeAll
    static void importEngine() {
        engine = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.dnsflow");
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("dev.dnsflow.(*)..").should().beFreeOfCycles().check(engine);
    }

    @Test
    void theEngineImportsNoKubernetesOrOpenTelemetryClass() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.fabric8..", "io.opentelemetry..")
                .because("k8s/ and the OpenTelemetry export implement the engine's interfaces, never the reverse")
                .check(engine);
    }
}
