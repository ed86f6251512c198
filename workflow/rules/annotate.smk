"""Annotation: arguments, values and specificity of every long-form response, by the judges."""


rule annotate_step:
    input:
        source=f"results/annotation/{STEP_STEM}/arguments.jsonl",
        vocabulary="results/data/vocabulary.csv",
        templates=list(JUDGE_PROMPTS.values()),
        batches=lambda wildcards: collected_batches(wildcards, wildcards.step),
    output:
        labels=f"results/annotation/{STEP_STEM}/{{step}}.labels.jsonl",
        stats=f"results/annotation/{STEP_STEM}/{{step}}.stats.json",
    log:
        f"results/logs/annotate/{STEP_STEM}/{{step}}.log",
    benchmark:
        f"results/benchmarks/annotate/{STEP_STEM}/{{step}}.tsv"
    wildcard_constraints:
        task="long_k[0-9]+",
        step="values|specificity",
    retries: 2
    localrule: on_submit_host("annotate_step")
    conda:
        "../../envs/annotation.yaml"
    threads: lambda wildcards: step_threads(wildcards.step)
    resources:
        gpu=lambda wildcards: step_gpus(wildcards.step),
        gpu_model=lambda wildcards: step_gpu_model(wildcards.step),
    params:
        code=code_version("annotate_step.py"),
        step=lambda wildcards: wildcards.step,
        judges=lambda wildcards: step_judges(config["judges"], wildcards.step),
        settings=lambda wildcards: step_settings(config["annotation"], wildcards.step),
        templates=JUDGE_PROMPTS,
        cache_dir=config["cache_dir"],
        shard=annotation_shard,
    script:
        "../scripts/annotate_step.py"


use rule annotate_step as annotate_arguments with:
    input:
        source=f"results/generation/{STEM}.jsonl",
        vocabulary="results/data/vocabulary.csv",
        templates=list(JUDGE_PROMPTS.values()),
        batches=lambda wildcards: collected_batches(wildcards, "arguments"),
    output:
        arguments=f"results/annotation/{STEP_STEM}/arguments.jsonl",
        labels=f"results/annotation/{STEP_STEM}/arguments.labels.jsonl",
        stats=f"results/annotation/{STEP_STEM}/arguments.stats.json",
    log:
        f"results/logs/annotate/{STEP_STEM}/arguments.log",
    benchmark:
        f"results/benchmarks/annotate/{STEP_STEM}/arguments.tsv"
    wildcard_constraints:
        task="long_k[0-9]+",
    localrule: on_submit_host("annotate_arguments")
    threads: step_threads("arguments")
    resources:
        gpu=lambda wildcards: step_gpus("arguments"),
        gpu_model=lambda wildcards: step_gpu_model("arguments"),
    params:
        code=code_version("annotate_step.py"),
        step="arguments",
        judges=step_judges(config["judges"], "arguments"),
        settings=step_settings(config["annotation"], "arguments"),
        templates=JUDGE_PROMPTS,
        cache_dir=config["cache_dir"],
        shard=annotation_shard,


rule batch_submit:
    input:
        source=step_source,
        vocabulary="results/data/vocabulary.csv",
        templates=list(JUDGE_PROMPTS.values()),
    output:
        f"results/annotation/batches/{{judge}}/{STEM}/{{step}}.submitted.json",
    log:
        f"results/logs/batch_submit/{{judge}}/{STEM}/{{step}}.log",
    wildcard_constraints:
        task="long_k[0-9]+",
        step="arguments|values|specificity",
    retries: 2
    localrule: True
    conda:
        "../../envs/annotation.yaml"
    params:
        code=code_version("batch_submit.py"),
        judge=lambda wildcards: judge_spec(wildcards.judge),
        settings=lambda wildcards: step_settings(config["annotation"], wildcards.step),
        templates=JUDGE_PROMPTS,
        cache_dir=config["cache_dir"],
    script:
        "../scripts/batch_submit.py"


rule batch_collect:
    input:
        submitted=f"results/annotation/batches/{{judge}}/{STEM}/{{step}}.submitted.json",
    output:
        f"results/annotation/batches/{{judge}}/{STEM}/{{step}}.collected.json",
    log:
        f"results/logs/batch_collect/{{judge}}/{STEM}/{{step}}.log",
    wildcard_constraints:
        task="long_k[0-9]+",
        step="arguments|values|specificity",
    localrule: True
    conda:
        "../../envs/annotation.yaml"
    params:
        code=code_version("batch_collect.py"),
        judge=lambda wildcards: judge_spec(wildcards.judge),
        cache_dir=config["cache_dir"],
    script:
        "../scripts/batch_collect.py"


rule annotate:
    input:
        responses=f"results/generation/{STEM}.jsonl",
        arguments=step_files("arguments.jsonl"),
        labels=[
            path
            for step in ANNOTATION_STEPS
            for path in step_files(f"{step}.labels.jsonl")
        ],
        stats=[
            path
            for step in ANNOTATION_STEPS
            for path in step_files(f"{step}.stats.json")
        ],
    output:
        arguments=f"results/annotation/{STEM}.jsonl",
        labels=f"results/annotation/{STEM}.labels.jsonl",
        summary=f"results/annotation/{STEM}.summary.json",
        table=f"results/annotation/{STEM}.table.csv",
    log:
        f"results/logs/annotate/{STEM}.log",
    wildcard_constraints:
        task="long_k[0-9]+",
    localrule: True
    conda:
        "../../envs/annotation.yaml"
    params:
        code=code_version("annotate.py"),
        judges=config["judges"],
    script:
        "../scripts/annotate.py"


rule recognized_values:
    input:
        responses="results/generation/{model}/{alignment}/{dataset}/recognize.jsonl",
        vocabulary="results/data/vocabulary.csv",
        templates=list(JUDGE_PROMPTS.values()),
    output:
        values="results/annotation/{model}/{alignment}/{dataset}/recognize.jsonl",
        summary="results/annotation/{model}/{alignment}/{dataset}/recognize.summary.json",
    log:
        "results/logs/recognized_values/{model}/{alignment}/{dataset}.log",
    benchmark:
        "results/benchmarks/recognized_values/{model}/{alignment}/{dataset}.tsv"
    retries: 2
    localrule: on_submit_host("recognized_values")
    conda:
        "../../envs/annotation.yaml"
    resources:
        gpu=gpus_of(standardize_judge()),
        gpu_model=gpu_model_of(standardize_judge()),
    params:
        code=code_version("recognized_values.py"),
        judge=standardize_judge(),
        templates=JUDGE_PROMPTS,
        cache_dir=config["cache_dir"],
    script:
        "../scripts/recognized_values.py"


rule judge_agreement:
    input:
        labels=[
            path.replace(".jsonl", ".labels.jsonl") for path in annotated_arguments()
        ],
    output:
        report(
            "results/annotation/judge_agreement.csv",
            caption="../report/judge_agreement.rst",
            category="Annotation",
        ),
    log:
        "results/logs/judge_agreement.log",
    localrule: True
    conda:
        "../../envs/annotation.yaml"
    params:
        code=code_version("judge_agreement.py"),
    script:
        "../scripts/judge_agreement.py"


rule cost_estimate:
    input:
        responses=[
            path.replace("results/annotation/", "results/generation/")
            for path in annotated_arguments()
        ],
        vocabulary="results/data/vocabulary.csv",
        templates=list(JUDGE_PROMPTS.values()),
    output:
        report(
            "results/annotation/cost_estimate.csv",
            caption="../report/cost_estimate.rst",
            category="Annotation",
        ),
    log:
        "results/logs/cost_estimate.log",
    localrule: True
    conda:
        "../../envs/annotation.yaml"
    params:
        code=code_version("cost_estimate.py"),
        judges=config["judges"],
        settings=annotation_settings(config["annotation"]),
        templates=JUDGE_PROMPTS,
        prices=config["prices"],
        cache_dir=config["cache_dir"],
    script:
        "../scripts/cost_estimate.py"


rule ledger:
    input:
        generation=[
            f"results/generation/{run}/summary.json"
            for run in ledger_jobs()["generation"]
        ],
        annotation=[
            f"results/annotation/{job}.summary.json"
            for job in ledger_jobs()["annotation"]
        ],
        gold=[
            f"results/data/{dataset}/gold_report.json"
            for dataset in ledger_jobs()["gold"]
        ],
        recognized=[
            f"results/annotation/{job}.summary.json"
            for job in ledger_jobs()["recognized"]
        ],
    output:
        ledger=report(
            "results/ledger.csv",
            caption="../report/ledger.rst",
            category="Annotation",
        ),
        summary=report(
            "results/run_summary.csv",
            caption="../report/run_summary.rst",
            category="Run summary",
        ),
        runs=report(
            "results/ledger_runs.csv",
            caption="../report/ledger_runs.rst",
            category="Annotation",
        ),
    log:
        "results/logs/ledger.log",
    localrule: True
    conda:
        "../../envs/annotation.yaml"
    params:
        code=code_version("ledger.py"),
        calls_dir=f"{config['cache_dir']}/calls",
        jobs=ledger_jobs(),
        judges=config["judges"],
        prices=config["prices"],
    script:
        "../scripts/ledger.py"
