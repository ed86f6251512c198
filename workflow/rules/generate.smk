"""Generation: every short- and long-form prompt of every data set, one job per model."""


rule generate:
    input:
        datasets=expand("results/data/{dataset}/items.jsonl", dataset=DATASETS),
        vocabulary="results/data/vocabulary.csv",
        templates=list(PROMPTS.values()),
        model=model_files,
    output:
        responses=generation_responses(),
        timings="results/generation/{model}/{alignment}/timings.jsonl",
        summary="results/generation/{model}/{alignment}/summary.json",
    log:
        "results/logs/generate/{model}/{alignment}.log",
    benchmark:
        "results/benchmarks/generate/{model}/{alignment}.tsv"
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
        settings=config["generation"],
        templates=PROMPTS,
        cache_dir=config["cache_dir"],
    script:
        "../scripts/generate.py"
