"""Gold values of a recognition data set, standardized onto the vocabulary (Figure 23).

Names that already match the vocabulary were kept when the data set was prepared; the rest
go to the standardization judge, which maps each onto one vocabulary value. Without a judge
(or when its answer is not a vocabulary value) the name is dropped, and counted.
"""

from valueprefs.annotation.annotate import Annotator
from valueprefs.io import iter_jsonl, read_csv, write_json, write_jsonl
from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, Templates


def standardize_gold(
    items_path: str,
    vocabulary_csv: str,
    judge: dict | None,
    template_paths: dict[str, str],
    cache_dir: str,
    out_gold: str,
    out_report: str,
) -> dict:
    """Write the situations with their final gold values and a report of what was mapped."""
    rows = [row for _, row in iter_jsonl(items_path)]
    names = sorted({name for row in rows for name in row.get("unmatched_values", [])})
    mapping: dict[str, str | None] = dict.fromkeys(names)
    spent: dict[str, dict] = {}
    if names and judge is not None:
        vocabulary = list(read_csv(vocabulary_csv)["value"])
        templates = Templates.from_files(template_paths, JUDGE_TEMPLATE_NAMES)
        annotator = Annotator([judge], vocabulary, {}, templates, cache_dir)
        mapping = dict(zip(names, annotator.standardize(judge, names), strict=True))
        spent = {name: meter.as_dict() for name, meter in annotator.meters.items()}
    gold = []
    for row in rows:
        extra = {mapping[name] for name in row.get("unmatched_values", []) if mapping.get(name)}
        gold.append(
            {
                "situation_id": row["situation_id"],
                "situation": row["situation"],
                "values": sorted({*row["values"], *extra}),
            }
        )
    write_jsonl(out_gold, gold)
    report = {
        "situations": len(gold),
        "names_to_standardize": len(names),
        "standardized": sum(1 for value in mapping.values() if value),
        "dropped": sorted(name for name, value in mapping.items() if not value),
        "judge": judge["name"] if judge else None,
        "judge_calls": sum(meter["completions"] for meter in spent.values()),
        "spent": spent,
    }
    write_json(out_report, report)
    return report
