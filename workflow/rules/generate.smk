"""Generation: every short- and long-form prompt of every data set, one job per model (or per
shard of its items with generation.shards > 1, merged afterwards)."""


rule generate:
    input:
        datasets=[PATHS.data("items.jsonl", dataset) for dataset in DATASETS],
        vocabulary=PATHS.vocabulary,
        templates=list(PROMPTS.values()),
        model=PLAN.model_files,
    output:
        responses=PLAN.responses(shard=PATHS.generation_shard),
        timings=PATHS.generation("timings.jsonl", shard=PATHS.generation_shard),
        summary=PATHS.generation("summary.json", shard=PATHS.generation_shard),
    log:
        PATHS.log("generate", PATHS.generation_job()),
    benchmark:
        PATHS.benchmark("generate", PATHS.generation_job())
    conda:
        "../../envs/generation.yaml"
    threads: 2
    resources:
        gpu=CLUSTER.generation_gpus,
        gpu_model=CLUSTER.generation_gpu_model,
    params:
        code=code_version("generate.py"),
        spec=PLAN.model_spec,
        kinds=PLAN.kinds,
        names=DATASETS,
        tasks=PLAN.generation_tasks(),
        settings=PLAN.model_generation_settings,
        templates=PROMPTS,
        cache_dir=config["cache_dir"],
        shard=PLAN.generation_shard,
    script:
        "../scripts/generate.py"


if PATHS.generation_shards > 1:

    rule merge_generation:
        input:
            responses=PLAN.shard_files(),
            timings=PLAN.shard_files("timings.jsonl"),
            summaries=PLAN.shard_files("summary.json"),
        output:
            responses=PLAN.responses(),
            timings=PATHS.generation("timings.jsonl"),
            summary=PATHS.generation("summary.json"),
        log:
            PATHS.log("merge_generation", PATHS.generation_job(shard=None)),
        localrule: True
        conda:
            "../../envs/generation.yaml"
        params:
            code=code_version("merge_generation.py"),
            tasks=PLAN.generation_tasks(),
        script:
            "../scripts/merge_generation.py"


rule answer_lengths:
    """Needs generation only: a pilot run builds it without any judge call."""
    input:
        summaries=PLAN.ledger_inputs()["generation"],
    output:
        lengths=report(
            PATHS.answer_lengths,
            caption="../report/answer_lengths.rst",
            category="Run summary",
        ),
    log:
        PATHS.log("answer_lengths"),
    localrule: True
    conda:
        "../../envs/generation.yaml"
    params:
        code=code_version("answer_lengths.py"),
        settings=PLAN.answer_length_settings(),
    script:
        "../scripts/answer_lengths.py"
