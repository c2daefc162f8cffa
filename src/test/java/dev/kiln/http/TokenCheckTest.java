package dev.kiln.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.security.Tokens;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TokenCheckTest {

    private final AtomicInteger lookups = new AtomicInteger();
    private final MovableClock clock = new MovableClock();
    private Jdbi jdbi;
    private TokenCheck check;

    @BeforeEach
    void openDatabase() {
        jdbi = Jdbi.create("jdbc:h2:mem:tokens-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        jdbi.useHandle(h -> h.execute("CREATE TABLE api_token (token_hash VARCHAR(64) NOT NULL UNIQUE)"));
        jdbi.setSqlLogger(new SqlLogger() {
            @Override
            public void logBeforeExecution(StatementContext context) {
                if (context.getRawSql().contains("WHERE token_hash")) {
                    lookups.incrementAndGet();
                }
            }
        });
        check = new TokenCheck(jdbi, clock);
    }

    @Test
    void knownTokenLooksUpOncePerTtl() {
        String hash = store("alpha");

        assertThat(check.isKnown(hash)).isTrue();
        assertThat(check.isKnown(hash)).isTrue();
        clock.advance(TokenCheck.CACHE_TTL.minusMillis(1));
        assertThat(check.isKnown(hash)).isTrue();
        assertThat(lookups.get()).isEqualTo(1);

        clock.advance(Duration.ofMillis(1));
        assertThat(check.isKnown(hash)).isTrue();
        assertThat(lookups.get()).isEqualTo(2);
    }

    @Test
    void deletedTokenRejectedAfterTtl() {
        String hash = store("beta");
        assertThat(check.isKnown(hash)).isTrue();

        jdbi.useHandle(h -> h.execute("DELETE FROM api_token"));
        assertThat(check.isKnown(hash)).isTrue();

        clock.advance(TokenCheck.CACHE_TTL);
        assertThat(check.isKnown(hash)).isFalse();
        assertThat(check.cachedEntries()).isZero();
    }

    @Test
    void unknownTokenNeverCached() {
        String hash = Tokens.sha256Hex("never-stored");

        assertThat(check.isKnown(hash)).isFalse();
        assertThat(check.isKnown(hash)).isFalse();

        assertThat(lookups.get()).isEqualTo(2);
        assertThat(check.cachedEntries()).isZero();
    }

    @Test
    void cacheStaysWithinBound() {
        for (int i = 0; i <= TokenCheck.CACHE_MAX_ENTRIES; i++) {
            assertThat(check.isKnown(store("token-" + i))).isTrue();
            assertThat(check.cachedEntries()).isLessThanOrEqualTo(TokenCheck.CACHE_MAX_ENTRIES);
        }
    }

    @Test
    void fullCacheDropsExpiredEntriesFirst() {
        for (int i = 0; i < TokenCheck.CACHE_MAX_ENTRIES - 1; i++) {
            check.isKnown(store("old-" + i));
        }
        clock.advance(TokenCheck.CACHE_TTL);
        String fresh = store("fresh");
        check.isKnown(fresh);

        check.isKnown(store("newest"));

        assertThat(check.cachedEntries()).isEqualTo(2);
        int before = lookups.get();
        assertThat(check.isKnown(fresh)).isTrue();
        assertThat(lookups.get()).isEqualTo(before);
    }

    private String store(String token) {
        String hash = Tokens.sha256Hex(token);
        jdbi.useHandle(h -> h.createUpdate("INSERT INTO api_token (token_hash) VALUES (:hash)").bind("hash", hash).execute());
        return hash;
    }

    /** A UTC clock that moves only when the test moves it. */
    private static final class MovableClock extends Clock {

        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("MovableClock is always UTC");
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
