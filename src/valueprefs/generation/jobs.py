"""The generation rules' jobs: every response of one model x alignment (or its imported ones),
or of one shard of its items, and the shards merged."""

from dataclasses import dataclass
from pathlib import Path

from valueprefs.data.schema import read_items
from valueprefs.generation.plan import plan_calls
from valueprefs.generation.responses import ResponseFiles, generate_model
from valueprefs.generation.shards import added_summaries, shard_item_ids
from valueprefs.io import iter_jsonl, read_json, read_values, write_json, write_jsonl
from valueprefs.llm.backends import cache_identity, make_backend
from valueprefs.llm.context import RunContext
from valueprefs.llm.imported import import_responses
from valueprefs.prompts import Templates
from valueprefs.runtime.cache import DiskCache


@dataclass(frozen=True)
class GenerationInputs:
    """What a generation job reads: each data set's (kind, normalized items file) by name, the
    vocabulary and the prompt templates."""

    datasets: dict[str, tuple[str, str]]
    vocabulary_csv: str
    template_paths: dict[str, str]


def generate_for_model(
    model: str,
    alignment: str,
    spec: dict,
    inputs: GenerationInputs,
    settings: dict,
    cache_dir: str,
    files: ResponseFiles,
    shard: tuple[int, int] = (0, 1),
) -> dict:
    """Generate (or import) every response of one model x alignment, or of shard ``(i, n)``
    of its items (``shards.shard_item_ids``; imported responses are never sharded)."""
    base = {"model": model, "alignment": alignment, "backend": spec["backend"], "model_id": spec["model"]}
    if spec["backend"] == "import":
        return import_responses(spec["path"], base, files.responses, files.summary, files.timings)
    limits = spec["limits"]
    items = {
        name: (kind, read_items(path, kind).to_dict("records")[: limits.get(name)])
        for name, (kind, path) in inputs.datasets.items()
    }
    vocabulary = read_values(inputs.vocabulary_csv)
    templates = Templates.from_files(inputs.template_paths)
    asked = shard_item_ids(items, *shard) if shard != (0, 1) else None
    calls = plan_calls(items, alignment, settings, templates, vocabulary, asked)
    context = RunContext(
        Path(cache_dir) / "models",
        seed=settings["seed"],
        scoring=settings["short_form_mode"] == "logprob",
        templates=templates,
        vocabulary=tuple(vocabulary),
        items=tuple(row for _, rows in items.values() for row in rows),
    )
    return generate_model(
        calls,
        cache_identity(spec, context.models_dir),
        base,
        DiskCache(Path(cache_dir) / "calls"),
        lambda: make_backend(spec, context),
        files,
        settings["max_failure_fraction"],
        settings["max_prompt_chars"],
    )


def merge_model_shards(
    shard_outputs: list[dict[tuple[str, str], str]],
    outputs: dict[tuple[str, str], str],
    shard_timings: list[str],
    timings_path: str,
    shard_summaries: list[str],
    summary_path: str,
) -> dict:
    """The merge rule's job: one model's shards joined into ``outputs`` (rows sorted by item and
    sample, as one job writes them), its timings, and its summary (counts added up)."""
    for key, path in outputs.items():
        rows = [row for shard in shard_outputs for _, row in iter_jsonl(shard[key], allow_empty=True)]
        write_jsonl(path, sorted(rows, key=lambda r: (r["item_id"], r["sample"])))
    write_jsonl(timings_path, [row for path in shard_timings for _, row in iter_jsonl(path, allow_empty=True)])
    summary: dict = {}
    for path in shard_summaries:
        summary = added_summaries(summary, read_json(path))
    summary["shards"] = len(shard_summaries)
    write_json(summary_path, summary)
    return summary
