"""Where a config's jobs run: the GPUs and cores each asks for, which rules stay on the submit
host, and the cluster plan's rows."""

from collections import Counter

from valueprefs.planning import slurm_request, step_judges

VLLM_JOB_CORES = 2  # a vLLM judge's job: the engine process and its tokenizer


def gpus_of(spec: dict | None) -> int:
    """GPUs a model or judge asks SLURM for: its vLLM tensor-parallel size (vLLM's default 1), else none."""
    if spec is None or spec["backend"] != "vllm":
        return 0
    return int(spec["engine_args"].get("tensor_parallel_size", 1))


def gpu_model_of(spec: dict | None) -> str:
    """The GPU type a vLLM model or judge asks for ("" lets SLURM choose)."""
    return spec["gpu_model"] if gpus_of(spec) else ""


class Cluster:
    """The resources of one study's jobs (``plan``: its ``StudyPlan``)."""

    def __init__(self, plan) -> None:
        self.plan = plan
        self.judges = plan.config["judges"]

    def generation_gpus(self, wildcards) -> int:
        return gpus_of(self.plan.model_spec(wildcards))

    def generation_gpu_model(self, wildcards) -> str:
        return gpu_model_of(self.plan.model_spec(wildcards))

    def step_gpus(self, step: str) -> int:
        """GPUs an annotation step asks for: the most any of its vLLM judges needs."""
        return max((gpus_of(judge) for judge in step_judges(self.judges, step)), default=0)

    def step_gpu_model(self, step: str) -> str:
        """GPU type of an annotation step: that of its first judge that names one."""
        return next(filter(None, (gpu_model_of(judge) for judge in step_judges(self.judges, step))), "")

    def step_threads(self, step: str) -> int:
        """Cores an annotation step uses: a local model's threads; one for API and embedding judges."""
        cores = {"llamacpp": lambda judge: judge["n_threads"], "vllm": lambda judge: VLLM_JOB_CORES}
        judges = [judge for judge in step_judges(self.judges, step) if judge["backend"] in cores]
        return max((cores[judge["backend"]](judge) for judge in judges), default=1)

    def standardize_gpus(self) -> int:
        """GPUs of the jobs of the judge that standardizes value names (gold and recognized values)."""
        return gpus_of(self.plan.standardize_judge())

    def standardize_gpu_model(self) -> str:
        return gpu_model_of(self.plan.standardize_judge())

    def gpu_capable_rules(self) -> dict[str, int]:
        """Rules that go to SLURM only when this config gives them a vLLM judge: name -> GPUs."""
        standardize = self.standardize_gpus()
        return {
            "annotate_arguments": self.step_gpus("arguments"),
            "annotate_step": max(self.step_gpus("values"), self.step_gpus("specificity")),
            "gold_values": standardize,
            "recognized_values": standardize,
        }

    def on_submit_host(self, rule: str) -> bool:
        """Whether a rule that can go to SLURM stays on the submit host under this config (its
        ``localrule``): ``generate`` never does; the others when their judge needs no GPU."""
        return rule != "generate" and self.gpu_capable_rules()[rule] == 0

    def local_rules(self) -> set[str]:
        """The rules that could go to SLURM but stay on the submit host under this config."""
        return {name for name in self.gpu_capable_rules() if self.on_submit_host(name)}

    def job_kinds(self) -> list[tuple[str, str, int, int, str]]:
        """Each kind of job that may go to SLURM, with its count in the whole grid: (label, rule,
        jobs, GPUs, GPU type); a rule whose jobs ask for different GPUs has one kind per request."""
        plan, config = self.plan, self.plan.config
        models = Counter(
            (gpus_of(spec), gpu_model_of(spec))
            for spec in (config["models"][family][alignment] for family, alignment in plan.runs)
        )
        long_files = len(plan.long_files()) * config["annotation"]["shards"]
        recognition = len(plan.recognition_datasets())
        shards, several = config["generation"]["shards"], len(models) > 1
        generate = [
            ("generate" + (f" ({gpus} GPUs)" if several else ""), "generate", n * shards, gpus, kind)
            for (gpus, kind), n in sorted(models.items())
        ]
        steps = [step for step in ("values", "specificity") if step in plan.steps]
        gold_request = (self.standardize_gpus(), self.standardize_gpu_model())
        return [
            *generate,
            ("annotate_arguments", "annotate_arguments", long_files, *self.step_request("arguments")),
            *[(f"annotate_step ({step})", "annotate_step", long_files, *self.step_request(step)) for step in steps],
            ("gold_values", "gold_values", recognition, *gold_request),
            ("recognized_values", "recognized_values", len(plan.runs) * recognition, *gold_request),
        ]

    def step_request(self, step: str) -> tuple[int, str]:
        """(GPUs, GPU type) of an annotation step's jobs."""
        return self.step_gpus(step), self.step_gpu_model(step)

    def slurm_plan(self, resources: tuple[dict, dict, dict], other_rules: int) -> list[dict]:
        """Per kind of job that may go to SLURM, its count in the grid, where it runs under this
        config and what it asks SLURM for (``resources``: the profile's defaults, per-rule
        resources and threads); the ``other_rules`` local rules in one row."""
        rows = []
        for label, rule, jobs, gpus, gpu_model in self.job_kinds():
            if self.on_submit_host(rule):
                where = {"runs_on": "submit host", "why": "localrule: no vLLM judge"}
            else:
                where = {"runs_on": "SLURM"} | slurm_request(rule, gpus, gpu_model, *resources)
                where["why"] = (
                    "every model generates in a SLURM job under a cluster profile"
                    if rule == "generate"
                    else "a judge of the rule runs on vLLM"
                )
            rows.append({"rule": label, "jobs": jobs} | where)
        rows.append(
            {
                "rule": "every other rule",
                "jobs": "",
                "runs_on": "submit host",
                "why": f"{other_rules} more localrules (data, Batch API, preferences, "
                "analysis, figures); `snakemake -n --quiet rules` counts their jobs",
            }
        )
        return sorted(rows, key=lambda row: row["runs_on"] != "SLURM")

    def rules_that_may_go(self) -> set[str]:
        """The rules of the job kinds (the others are local rules under any config)."""
        return {kind[1] for kind in self.job_kinds()}
