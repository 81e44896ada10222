package com.dytallix.bootstrap.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.dytallix.domain.Keccak256;
import com.dytallix.domain.telemetry.Telemetry;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchRule;

/** The hexagon's rules (ARCHITECTURE.md), as data so tests can also show each one catching a violation. */
final class ArchitectureRules {
    private ArchitectureRules() {
    }

    static final ArchRule DOMAIN_IS_PURE = classes().that().resideInAPackage("com.dytallix.domain..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "com.dytallix.domain..")
            .as("the domain depends on java.. only");

    static final ArchRule APPLICATION_IS_FRAMEWORK_FREE = classes().that().resideInAPackage("com.dytallix.application..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "com.dytallix.domain..", "com.dytallix.application..")
            .as("the application depends on the domain and java.. only (no Helidon, JDBC, Bouncy Castle, resilience4j, Jackson)");

    static final ArchRule NO_JDBC_OR_CRYPTO_IN_APPLICATION = noClasses().that().resideInAnyPackage("com.dytallix.domain..", "com.dytallix.application..")
            .should().dependOnClassesThat().resideInAnyPackage("io.helidon..", "java.sql..", "org.bouncycastle..",
                    "io.github.resilience4j..", "com.fasterxml.jackson..", "org.slf4j..")
            .as("no framework, SQL, crypto or JSON library in the domain or application");

    static final ArchRule ADAPTERS_ARE_APART = slices().matching("com.dytallix.adapters.(*)..")
            .should().notDependOnEachOther()
            .as("adapters never depend on each other");

    static final ArchRule ONLY_BOOTSTRAP_SEES_ADAPTERS = noClasses().that().resideInAnyPackage("com.dytallix.domain..", "com.dytallix.application..")
            .should().dependOnClassesThat().resideInAnyPackage("com.dytallix.adapters..", "com.dytallix.bootstrap..")
            .as("only bootstrap sees the adapters");

    /**
     * The domain's ports: its interfaces other than sealed value hierarchies, Keccak256 (which
     * parsing an address needs, wherever the address arrives) and Telemetry (the metrics channel
     * every layer reports through).
     */
    private static final DescribedPredicate<JavaClass> DOMAIN_PORTS = new DescribedPredicate<>("a port of the domain") {
        @Override
        public boolean test(JavaClass c) {
            return c.isInterface() && c.getPackageName().startsWith("com.dytallix.domain")
                    && !c.isEquivalentTo(Keccak256.class) && !c.isEquivalentTo(Telemetry.class) && !c.reflect().isSealed();
        }
    };

    static final ArchRule HTTP_TALKS_TO_APPLICATION_SERVICES = noClasses().that().resideInAPackage("com.dytallix.adapters.http..")
            .should().dependOnClassesThat(DOMAIN_PORTS)
            .as("adapters-http talks to application services, never to a port of the domain (ledger, node, keys, controls)");

    static final ArchRule NO_CYCLES_INSIDE_MODULES = slices().matching("com.dytallix.(**)")
            .should().beFreeOfCycles()
            .as("no package cycles");

    static final ArchRule PORTS_ARE_INTERFACES = classes().that().resideInAnyPackage("com.dytallix.domain..")
            .and().haveSimpleNameEndingWith("Port")
            .should().beInterfaces()
            .allowEmptyShould(true)
            .as("ports are interfaces");
}
