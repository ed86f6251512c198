"""Snakemake adapter: generate (or import) every response of one model x alignment."""

from valueprefs.generation.jobs import GenerationInputs, ResponseFiles, generate_for_model
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    params = snakemake.params
    summary = generate_for_model(
        model=snakemake.wildcards.model,
        alignment=snakemake.wildcards.alignment,
        spec=params.spec,
        inputs=GenerationInputs(
            datasets={
                name: (params.kinds[name], path)
                for name, path in zip(params.names, snakemake.input.datasets, strict=True)
            },
            vocabulary_csv=snakemake.input.vocabulary,
            template_paths=params.templates,
        ),
        settings=params.settings,
        cache_dir=params.cache_dir,
        files=ResponseFiles(
            responses=dict(zip(map(tuple, params.tasks), snakemake.output.responses, strict=True)),
            timings=snakemake.output.timings,
            summary=snakemake.output.summary,
        ),
        shard=tuple(params.shard),
    )
    log.info("summary: %s", summary)
