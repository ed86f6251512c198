"""Annotation: arguments, values and specificity of every long-form response, by the judges."""


rule annotate_step:
    input:
        source=PATHS.step("arguments.jsonl"),
        vocabulary=PATHS.vocabulary,
        templates=list(JUDGE_PROMPTS.values()),
        batches=lambda wildcards: PLAN.collected_batches(wildcards, wildcards.step),
    output:
        labels=PATHS.step("{step}.labels.jsonl"),
        stats=PATHS.step("{step}.stats.json"),
    log:
        PATHS.log("annotate", PATHS.step_job(), "{step}"),
    benchmark:
        PATHS.benchmark("annotate", PATHS.step_job(), "{step}")
    wildcard_constraints:
        task=WILDCARD["long"],
        step="values|specificity",
    retries: 2
    localrule: CLUSTER.on_submit_host("annotate_step")
    conda:
        "../../envs/annotation.yaml"
    threads: lambda wildcards: CLUSTER.step_threads(wildcards.step)
    resources:
        gpu=lambda wildcards: CLUSTER.step_gpus(wildcards.step),
        gpu_model=lambda wildcards: CLUSTER.step_gpu_model(wildcards.step),
    params:
        code=code_version("annotate_step.py"),
        step=lambda wildcards: wildcards.step,
        judges=lambda wildcards: step_judges(config["judges"], wildcards.step),
        settings=lambda wildcards: step_settings(config["annotation"], wildcards.step),
        templates=JUDGE_PROMPTS,
        cache_dir=config["cache_dir"],
        shard=PLAN.annotation_shard,
    script:
        "../scripts/annotate_step.py"


use rule annotate_step as annotate_arguments with:
    input:
        source=PATHS.responses(),
        vocabulary=PATHS.vocabulary,
        templates=list(JUDGE_PROMPTS.values()),
        batches=lambda wildcards: PLAN.collected_batches(wildcards, "arguments"),
    output:
        arguments=PATHS.step("arguments.jsonl"),
        labels=PATHS.step("arguments.labels.jsonl"),
        stats=PATHS.step("arguments.stats.json"),
    log:
        PATHS.log("annotate", PATHS.step_job(), "arguments"),
    benchmark:
        PATHS.benchmark("annotate", PATHS.step_job(), "arguments")
    wildcard_constraints:
        task=WILDCARD["long"],
    localrule: CLUSTER.on_submit_host("annotate_arguments")
    threads: CLUSTER.step_threads("arguments")
    resources:
        gpu=lambda wildcards: CLUSTER.step_gpus("arguments"),
        gpu_model=lambda wildcards: CLUSTER.step_gpu_model("arguments"),
    params:
        code=code_version("annotate_step.py"),
        step="arguments",
        judges=step_judges(config["judges"], "arguments"),
        settings=step_settings(config["annotation"], "arguments"),
        templates=JUDGE_PROMPTS,
        cache_dir=config["cache_dir"],
        shard=PLAN.annotation_shard,


rule batch_submit:
    input:
        source=PLAN.step_source,
        vocabulary=PATHS.vocabulary,
        templates=list(JUDGE_PROMPTS.values()),
    output:
        PATHS.batch("submitted"),
    log:
        PATHS.log("batch_submit", "{judge}", PATHS.annotation_job(), "{step}"),
    wildcard_constraints:
        task=WILDCARD["long"],
        step="arguments|values|specificity",
    retries: 2
    localrule: True
    conda:
        "../../envs/annotation.yaml"
    params:
        code=code_version("batch_submit.py"),
        judge=lambda wildcards: PLAN.judge_spec(wildcards.judge),
        settings=lambda wildcards: step_settings(config["annotation"], wildcards.step),
        templates=JUDGE_PROMPTS,
        cache_dir=config["cache_dir"],
    script:
        "../scripts/batch_submit.py"


rule batch_collect:
    input:
        submitted=PATHS.batch("submitted"),
    output:
        PATHS.batch("collected"),
    log:
        PATHS.log("batch_collect", "{judge}", PATHS.annotation_job(), "{step}"),
    wildcard_constraints:
        task=WILDCARD["long"],
        step="arguments|values|specificity",
    localrule: True
    conda:
        "../../envs/annotation.yaml"
    params:
        code=code_version("batch_collect.py"),
        judge=lambda wildcards: PLAN.judge_spec(wildcards.judge),
        cache_dir=config["cache_dir"],
    script:
        "../scripts/batch_collect.py"


rule annotate:
    input:
        responses=PATHS.responses(),
        arguments=PATHS.step_shards("arguments.jsonl"),
        labels=PLAN.step_outputs(".labels.jsonl"),
        stats=PLAN.step_outputs(".stats.json"),
    output:
        arguments=PATHS.annotated(".jsonl"),
        labels=PATHS.annotated(".labels.jsonl"),
        summary=PATHS.annotated(".summary.json"),
        table=PATHS.annotated(".table.csv"),
    log:
        PATHS.log("annotate", PATHS.annotation_job()),
    wildcard_constraints:
        task=WILDCARD["long"],
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
        responses=PATHS.responses(task="recognize"),
        vocabulary=PATHS.vocabulary,
        templates=list(JUDGE_PROMPTS.values()),
    output:
        values=PATHS.annotated(".jsonl", task="recognize"),
        summary=PATHS.annotated(".summary.json", task="recognize"),
    log:
        PATHS.log("recognized_values", "{model}/{alignment}/{dataset}"),
    benchmark:
        PATHS.benchmark("recognized_values", "{model}/{alignment}/{dataset}")
    retries: 2
    localrule: CLUSTER.on_submit_host("recognized_values")
    conda:
        "../../envs/annotation.yaml"
    resources:
        gpu=CLUSTER.standardize_gpus(),
        gpu_model=CLUSTER.standardize_gpu_model(),
    params:
        code=code_version("recognized_values.py"),
        judge=PLAN.standardize_judge(),
        templates=JUDGE_PROMPTS,
        cache_dir=config["cache_dir"],
    script:
        "../scripts/recognized_values.py"


rule judge_agreement:
    input:
        labels=PLAN.annotated_outputs(".labels.jsonl"),
    output:
        report(
            PATHS.annotation("judge_agreement.csv"),
            caption="../report/judge_agreement.rst",
            category="Annotation",
        ),
    log:
        PATHS.log("judge_agreement"),
    localrule: True
    conda:
        "../../envs/annotation.yaml"
    params:
        code=code_version("judge_agreement.py"),
    script:
        "../scripts/judge_agreement.py"


rule cost_estimate:
    input:
        responses=PLAN.long_responses(),
        vocabulary=PATHS.vocabulary,
        templates=list(JUDGE_PROMPTS.values()),
    output:
        report(
            PATHS.annotation("cost_estimate.csv"),
            caption="../report/cost_estimate.rst",
            category="Annotation",
        ),
    log:
        PATHS.log("cost_estimate"),
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
        **PLAN.ledger_inputs(),
    output:
        ledger=report(
            PATHS.report_table("ledger.csv"),
            caption="../report/ledger.rst",
            category="Annotation",
        ),
        summary=report(
            PATHS.report_table("run_summary.csv"),
            caption="../report/run_summary.rst",
            category="Run summary",
        ),
        runs=report(
            PATHS.report_table("ledger_runs.csv"),
            caption="../report/ledger_runs.rst",
            category="Annotation",
        ),
    log:
        PATHS.log("ledger"),
    localrule: True
    conda:
        "../../envs/annotation.yaml"
    params:
        code=code_version("ledger.py"),
        calls_dir=f"{config['cache_dir']}/calls",
        jobs=PLAN.ledger_jobs(),
        judges=config["judges"],
        prices=config["prices"],
    script:
        "../scripts/ledger.py"
