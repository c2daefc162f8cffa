package dev.kiln.build;

import dev.kiln.testing.DatabaseKind;

class BuildRulesH2Test extends BuildRulesCases {

    @Override
    DatabaseKind database() {
        return DatabaseKind.H2;
    }
}
