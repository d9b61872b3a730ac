package dev.dnsflow;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.dnsflow.sidecar.Main;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The application's layering: its packages ({@code cli}, {@code corefile}, {@code demo},
 * {@code sidecar}) form no cycle. Exactly this module's classes are checked (its
 * {@code target/classes}, found from {@link Main}); the engine below has its own ArchitectureTest.
 */
class ArchitectureTest {
    private static JavaClasses app;

    @BeforeAll
    static void importApp() throws URISyntaxException {
        Path classes = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        app = new ClassFileImporter().importPath(classes);
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("dev.dnsflow.(*)..").should().beFreeOfCycles()
                .because("the commands sit on top of the Corefile tooling and the demo, and Main on top of the"
                        + " commands: a package that reached back up could no longer be read, tested or moved on its own")
                .check(app);
    }

    @Test
    void theCorefileToolingAndTheDemoDoNotUseTheCommandLine() {
        noClasses().that().resideInAnyPackage("dev.dnsflow.corefile..", "dev.dnsflow.demo..")
                .should().dependOnClassesThat().resideInAnyPackage("picocli..", "dev.dnsflow.cli..", "dev.dnsflow.sidecar..")
                .because("the Corefile parser/patcher and the embedded authority are plain libraries the commands"
                        + " call; options and their parsing stay in dev.dnsflow.cli")
                .check(app);
    }
}
