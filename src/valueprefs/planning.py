"""What the workflow plans, with nothing heavy imported: building the DAG of a paper-scale
config must not load pandas, the annotator or any model backend.

Annotation steps and the judges doing them, which items a shard of
a job takes, and what a SLURM job of the cluster plan asks for.
"""

import hashlib

STEPS = ("arguments", "values", "specificity")


def step_judges(judges: list[dict], step: str) -> list[dict]:
    """The judges doing ``step`` (for arguments: only the primary one, whose arguments are used,
    and the audit judge of structure first)."""
    doing = [judge for judge in judges if step in judge["steps"]]
    if step == "arguments":  # the primary judge, and an audit judge rereading its answers
        return doing[:1] + [judge for judge in doing[1:] if judge.get("audit")]
    return doing


# The annotation settings each step reads: a step's params hold only these, so changing one
# step's settings (value_batching, say) reruns that step alone.
STEP_SETTINGS = {
    "arguments": ("max_arguments_per_k", "exclude_truncated", "max_prompt_chars", "structure_first", "audit"),
    "values": ("value_batching", "embedding_threshold", "max_prompt_chars", "audit"),
    "specificity": ("specificity", "specificity_samples", "specificity_batching", "max_prompt_chars", "audit"),
}


def step_settings(annotation: dict, step: str) -> dict:
    """The part of the config's ``annotation`` section that ``step`` reads (of the audit, what
    decides which answers are audited and by whom; its floors are the run summary's)."""
    settings = {key: annotation[key] for key in STEP_SETTINGS[step]}
    settings["audit"] = {key: value for key, value in settings["audit"].items() if key != "floors"}
    return settings | {"max_tokens": {step: annotation["max_tokens"][step]}}


def annotation_settings(annotation: dict) -> dict:
    """What the annotation steps read, together (the cost estimate's params): changing a key
    none of them reads (the audit's floors, the job shards) reruns no estimate."""
    merged: dict = {}
    for step in STEP_SETTINGS:
        merged |= step_settings(annotation, step)
    return merged | {"max_tokens": dict(annotation["max_tokens"])}


def active_steps(judges: list[dict], settings: dict) -> list[str]:
    """The steps some judge does (specificity also needs at least one prompt configured)."""
    wanted = {"arguments": True, "values": True, "specificity": bool(settings["specificity"])}
    return [step for step in STEPS if wanted[step] and step_judges(judges, step)]


def shard_of(ids: list[str], index: int, count: int) -> set[str]:
    """The ids shard ``index`` (0-based) of ``count`` takes: a contiguous range of ``ids`` (in
    their order, repeats counted once), the ranges of all shards covering every id once."""
    if not 0 <= index < count:
        raise ValueError(f"shard {index} of {count}: shards are numbered 0 to {count - 1}")
    distinct = list(dict.fromkeys(ids))
    return set(distinct[len(distinct) * index // count : len(distinct) * (index + 1) // count])


# The cluster plan: per rule that can go to SLURM, its jobs and what each asks the cluster for.
CLUSTER_PLAN_COLUMNS = (
    "rule",
    "jobs",
    "runs_on",
    "slurm_partition",
    "gpus",
    "gpu_model",
    "runtime_min",
    "mem_mb",
    "cpus_per_task",
    "why",
)
NOT_SET = "(not set)"


def slurm_request(
    rule: str,
    gpus: int,
    gpu_model: str,
    defaults: dict,
    overrides: dict,
    threads: dict,
) -> dict:
    """What one job of ``rule`` asks SLURM for: the rule's override of a resource, else the
    profile's default, else ``(not set)`` (SLURM's own default applies)."""
    own = overrides.get(rule, {})

    def resolved(name: str):
        return own.get(name, defaults.get(name, NOT_SET))

    return {
        "slurm_partition": resolved("slurm_partition"),
        "gpus": gpus,
        "gpu_model": gpu_model or ("any" if gpus else ""),
        "runtime_min": resolved("runtime"),
        "mem_mb": resolved("mem_mb"),
        "cpus_per_task": threads.get(rule, resolved("cpus_per_task")),
    }


# The audit sample of structure first (annotation.audit): a seeded fraction of the answers split
# by structure is read again by an audit judge with the paper's protocol; judge_agreement.csv
# compares the two readings.
AUDIT_SUFFIX = "-audit"


def audited(item_id: str, sample: int, audit: dict) -> bool:
    """Whether an answer is in the audit sample: a draw that depends only on the seed and the
    answer (never on the order of a file or which answers a shard holds)."""
    key = f"{audit['seed']}:{item_id}:{sample}".encode()
    draw = int.from_bytes(hashlib.sha256(key).digest()[:8], "big") / 2**64
    return draw < audit["fraction"]


def audit_judge(judges: list[dict], annotation: dict) -> dict | None:
    """The audit judge this config implies (None: no audit): the judge named by
    ``annotation.audit.judge``, else the judge that extracts arguments, under its own name plus
    ``-audit``; only with ``structure_first``, a positive fraction and an LLM judge."""
    audit = annotation["audit"]
    if not annotation["structure_first"] or audit["fraction"] <= 0:
        return None
    named = audit["judge"]
    reference = next(
        (judge for judge in judges if (judge["name"] == named if named else "arguments" in judge["steps"])),
        None,
    )
    if reference is None or reference["backend"] == "offline":
        return None
    steps = ["arguments", "values"] + (["specificity"] if annotation["specificity"] else [])
    return {**reference, "name": reference["name"] + AUDIT_SUFFIX, "steps": steps, "audit": True, "batch": False}
