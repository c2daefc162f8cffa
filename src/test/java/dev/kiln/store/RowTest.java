package dev.kiln.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RowTest {

    private static final String QUERY = "SELECT 1 AS id, 'server' AS name, NULL AS os_template_id, "
            + "7 AS u_id, 'owner' AS u_name, 8 AS u_id";

    private Connection connection;

    @BeforeEach
    void open() throws SQLException {
        connection = DriverManager.getConnection("jdbc:h2:mem:row-test;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE");
    }

    @AfterEach
    void close() throws SQLException {
        connection.close();
    }

    @Test
    void rowReadsByLabelAndPrefix() throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(QUERY)) {
            rs.next();
            Row row = Row.of(rs);

            assertThat(row.getLong("id")).isEqualTo(1);
            assertThat(row.getString("name")).isEqualTo("server");
            assertThat(row.getNullableLong("os_template_id")).isNull();
            assertThat(row.isNull("os_template_id")).isTrue();
            // The first of two equal labels wins, as with ResultSet.getLong(String).
            assertThat(row.prefixed("u_").getLong("id")).isEqualTo(7);
            assertThat(row.prefixed("u_").getString("name")).isEqualTo("owner");
        }
    }

    @Test
    void rowNamesUnknownLabel() throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(QUERY)) {
            rs.next();
            Row row = Row.of(rs);

            assertThatThrownBy(() -> row.getString("email")).isInstanceOf(SQLException.class)
                    .hasMessage("the query's result has no column labelled email");
            // A prefixed view reads only the labels with its prefix.
            assertThatThrownBy(() -> row.prefixed("u_").getLong("os_template_id")).isInstanceOf(SQLException.class);
        }
    }

    @Test
    void mapperReadsEveryRowOfResult() {
        Handle handle = Jdbi.open(connection);

        List<String> names = handle.createQuery("SELECT 1 AS id, 'first' AS name UNION ALL SELECT 2, 'second' ORDER BY id")
                .map(Row.mapper(row -> row.getLong("id") + ":" + row.getString("name"))).list();

        assertThat(names).containsExactly("1:first", "2:second");
    }

    @Test
    void cacheKeepsFirstResultLabels() throws SQLException {
        Labels.Cache cache = new Labels.Cache();
        for (int i = 0; i < 3; i++) {
            try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(QUERY)) {
                rs.next();
                assertThat(cache.row(rs).prefixed("u_").getString("name")).isEqualTo("owner");
            }
        }
    }
}
