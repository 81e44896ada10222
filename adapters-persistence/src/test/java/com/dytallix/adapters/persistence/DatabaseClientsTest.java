package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.service.registry.GlobalServiceRegistry;
import io.helidon.service.registry.ServiceRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The database's Helidon clients are made without Helidon's global service registry. */
class DatabaseClientsTest {
    @TempDir
    Path dir;

    /**
     * At start the database opens on a thread of its own while another makes the global registry (which
     * the web server needs); a client that looked its type mappers up there waited for that thread.
     */
    @Test
    void openingADatabaseAsksTheGlobalRegistryForNoMappers() {
        ServiceRegistry global = GlobalServiceRegistry.registry();
        List<String> asked = new CopyOnWriteArrayList<>();
        ServiceRegistry recording = (ServiceRegistry) Proxy.newProxyInstance(ServiceRegistry.class.getClassLoader(),
                new Class<?>[] {ServiceRegistry.class}, (proxy, method, args) -> {
                    String call = method.getName() + (args == null ? "" : Arrays.deepToString(args));
                    if (call.contains("mapper")) {
                        asked.add(call);
                    }
                    try {
                        return method.invoke(global, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        GlobalServiceRegistry.registry(recording);
        try (SqliteDatabase db = SqliteDatabase.open(dir.resolve("dytallix.db"))) {
            // the clients' mappers still map: an integer column read as text
            assertThat(db.read(x -> x.get("SELECT 42 AS answer")).orElseThrow().column("answer").as(String.class).get())
                    .isEqualTo("42");
            assertThat(db.<String>write(tx -> tx.get("SELECT 7 AS seven").orElseThrow().column("seven").as(String.class).get()))
                    .isEqualTo("7");
        } finally {
            GlobalServiceRegistry.registry(global);
        }
        assertThat(asked).isEmpty();
    }
}
