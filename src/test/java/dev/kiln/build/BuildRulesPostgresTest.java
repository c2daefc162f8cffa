package dev.kiln.build;

import dev.kiln.testing.DatabaseKind;

class BuildRulesPostgresTest extends BuildRulesCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.POSTGRESQL;
    }
}
