package dev.kiln.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicReference;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StatementCounterTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Jdbi jdbi;

    @BeforeEach
    void openDatabase() {
        jdbi = Jdbi.create("jdbc:h2:mem:counter-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        jdbi.setSqlLogger(new StatementCounter(registry));
    }

    @Test
    void countsEveryStatementOnce() {
        jdbi.useHandle(h -> {
            h.execute("CREATE TABLE t (id INT)");
            h.createUpdate("INSERT INTO t VALUES (1)").execute();
            h.createQuery("SELECT COUNT(*) FROM t").mapTo(Long.class).one();
        });

        assertThat(count("other")).isEqualTo(3.0);
        assertThat(count("http")).isZero();
        assertThat(count("worker")).isZero();
    }

    @Test
    void tagsVirtualThreadsAsHttp() throws InterruptedException {
        Thread.ofVirtual().start(this::selectOne).join();

        assertThat(count("http")).isEqualTo(1.0);
        assertThat(count("other")).isZero();
    }

    @Test
    void tagsQueueWorkerThreads() throws InterruptedException {
        Thread.ofPlatform().name(StatementCounter.WORKER_THREAD_PREFIX + "1").start(this::selectOne).join();

        assertThat(count("worker")).isEqualTo(1.0);
        assertThat(count("other")).isZero();
    }

    @Test
    void countsStatementsThatFailInDatabase() {
        AtomicReference<Exception> failure = new AtomicReference<>();
        try {
            jdbi.useHandle(h -> {
                h.execute("CREATE TABLE u (id INT PRIMARY KEY)");
                h.createUpdate("INSERT INTO u VALUES (1)").execute();
                h.createUpdate("INSERT INTO u VALUES (1)").execute();
            });
        } catch (Exception e) {
            failure.set(e);
        }

        assertThat(failure.get()).isNotNull();
        assertThat(count("other")).isEqualTo(3.0);
    }

    private void selectOne() {
        jdbi.useHandle(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one());
    }

    private double count(String thread) {
        return registry.get(StatementCounter.NAME).tag("thread", thread).counter().count();
    }
}
