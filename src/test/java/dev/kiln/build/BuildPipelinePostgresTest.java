package dev.kiln.build;

import dev.kiln.testing.DatabaseKind;

class BuildPipelinePostgresTest extends BuildPipelineCases {

    @Override
    DatabaseKind kind() {
        return DatabaseKind.POSTGRESQL;
    }
}
