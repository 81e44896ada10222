package com.dytallix.bootstrap.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.http.archfixture.LedgerInTheHttpAdapter;
import com.dytallix.domain.archfixture.FrameworkInTheDomain;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ArchitectureTest {
    private static JavaClasses production;

    @BeforeAll
    static void importProductionClasses() {
        production = new ClassFileImporter()
                // our modules arrive as jars in a reactor build and as class folders in an IDE; tests never count
                .withImportOption(location -> !location.contains("/test-classes/") && !location.contains("-tests.jar"))
                .importPackages("com.dytallix");
        // the whole product, not an empty import that would pass every rule
        assertThat(production.containPackage("com.dytallix.domain")).isTrue();
        assertThat(production.containPackage("com.dytallix.application.faucet")).isTrue();
        assertThat(production.containPackage("com.dytallix.adapters.http")).isTrue();
        assertThat(production.containPackage("com.dytallix.adapters.node")).isTrue();
        assertThat(production.containPackage("com.dytallix.adapters.persistence")).isTrue();
    }

    @Test
    void domainIsPure() {
        ArchitectureRules.DOMAIN_IS_PURE.check(production);
    }

    @Test
    void applicationIsFrameworkFree() {
        ArchitectureRules.APPLICATION_IS_FRAMEWORK_FREE.check(production);
        ArchitectureRules.NO_JDBC_OR_CRYPTO_IN_APPLICATION.check(production);
    }

    @Test
    void adaptersAreApart() {
        ArchitectureRules.ADAPTERS_ARE_APART.check(production);
    }

    @Test
    void onlyBootstrapSeesAdapters() {
        ArchitectureRules.ONLY_BOOTSTRAP_SEES_ADAPTERS.check(production);
    }

    @Test
    void httpTalksToApplicationServicesOnly() {
        ArchitectureRules.HTTP_TALKS_TO_APPLICATION_SERVICES.check(production);
    }

    /** The rule is not vacuous: an HTTP class that reads the ledger port is caught. */
    @Test
    void aPortInTheHttpAdapterIsCaught() {
        JavaClasses violator = new ClassFileImporter().importClasses(LedgerInTheHttpAdapter.class);
        assertThat(ArchitectureRules.HTTP_TALKS_TO_APPLICATION_SERVICES.evaluate(violator).hasViolation()).isTrue();
    }

    @Test
    void noPackageCycles() {
        ArchitectureRules.NO_CYCLES_INSIDE_MODULES.check(production);
    }

    @Test
    void portsAreInterfaces() {
        ArchitectureRules.PORTS_ARE_INTERFACES.check(production);
    }

    /** The rules are not vacuous: a domain class that uses Helidon is caught. */
    @Test
    void aFrameworkInTheDomainIsCaught() {
        JavaClasses violator = new ClassFileImporter().importClasses(FrameworkInTheDomain.class);
        assertThat(ArchitectureRules.DOMAIN_IS_PURE.evaluate(violator).hasViolation()).isTrue();
        assertThat(ArchitectureRules.NO_JDBC_OR_CRYPTO_IN_APPLICATION.evaluate(violator).hasViolation()).isTrue();
        assertThat(ArchitectureRules.ONLY_BOOTSTRAP_SEES_ADAPTERS.evaluate(violator).hasViolation()).isTrue();
    }
}
