package dev.kiln.store;

import java.util.List;
import java.util.StringJoiner;

/**
 * Select lists for joins: each column of one table gets a label that starts with a prefix, so
 * a row that joins several tables maps with the same mappers that read one table.
 */
public final class Columns {

    private Columns() {
    }

    /** Returns {@code alias.column AS prefixcolumn} for every column, separated by commas. */
    public static String prefixed(String tableAlias, String prefix, List<String> columns) {
        StringJoiner out = new StringJoiner(", ");
        for (String column : columns) {
            out.add(tableAlias + "." + column + " AS " + prefix + column);
        }
        return out.toString();
    }
}
