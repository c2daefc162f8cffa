package dev.kiln.build;

import dev.kiln.testing.DatabaseKind;

class BuildPipelineH2Test extends BuildPipelineCases {

    @Override
    DatabaseKind kind() {
        return DatabaseKind.H2;
    }
}
