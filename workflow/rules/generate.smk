"""Generation: every short- and long-form prompt of every data set, one job per model (or per
shard of its items with generation.shards > 1, merged afterwards)."""


rule generate:
    input:
        datasets=expand("results/data/{dataset}/items.jsonl", dataset=DATASETS),
        vocabulary="results/data/vocabulary.csv",
        templates=list(PROMPTS.values()),
        model=model_files,
    output:
        responses=generation_responses(shard=SHARD_DIR),
        timings=f"results/generation/{{model}}/{{alignment}}/{SHARD_DIR}timings.jsonl",
        summary=f"results/generation/{{model}}/{{alignment}}/{SHARD_DIR}summary.json",
    log:
        f"results/logs/generate/{GENERATION_JOB}.log",
    benchmark:
        f"results/benchmarks/generate/{GENERATION_JOB}.tsv"
    conda:
        "../../envs/generation.yaml"
    threads: 2
    resources:
        gpu=generation_gpus,
        gpu_model=generation_gpu_model,
    params:
        code=code_version("generate.py"),
        spec=model_spec,
        kinds={name: spec["kind"] for name, spec in config["datasets"].items()},
        names=DATASETS,
        tasks=generation_tasks(),
        settings=model_generation_settings,
        templates=PROMPTS,
        cache_dir=config["cache_dir"],
        shard=generation_shard,
    script:
        "../scripts/generate.py"


if SHARDED:

    rule merge_generation:
        input:
            responses=shard_files(),
            timings=shard_files("timings.jsonl"),
            summaries=shard_files("summary.json"),
        output:
            responses=generation_responses(),
            timings="results/generation/{model}/{alignment}/timings.jsonl",
            summary="results/generation/{model}/{alignment}/summary.json",
        log:
            "results/logs/merge_generation/{model}/{alignment}.log",
        localrule: True
        conda:
            "../../envs/generation.yaml"
        params:
            code=code_version("merge_generation.py"),
            tasks=generation_tasks(),
        script:
            "../scripts/merge_generation.py"


rule answer_lengths:
    """Needs generation only: a pilot run builds it without any judge call."""
    input:
        summaries=[
            f"results/generation/{run}/summary.json"
            for run in ledger_jobs()["generation"]
        ],
    output:
        lengths=report(
            "results/answer_lengths.csv",
            caption="../report/answer_lengths.rst",
            category="Run summary",
        ),
    log:
        "results/logs/answer_lengths.log",
    localrule: True
    conda:
        "../../envs/generation.yaml"
    params:
        code=code_version("answer_lengths.py"),
        settings={
            f"{model}/{alignment}": generation_settings(model, alignment)
            for model, alignment in MODEL_RUNS
        },
    script:
        "../scripts/answer_lengths.py"
