"""Value recognition answers mapped onto the vocabulary the way gold values are (appendix E).

A model's answer is read as a list of names (split on commas, semicolons, "and" and line
breaks; bullets, numbers and colons removed), up to the first prose (a part longer than four
words) after some names. Each name is matched to the vocabulary exactly or by a safe spelling
match; the rest go to the standardization judge (Figure 23) where one is configured, exactly as
gold names do, or are dropped and counted. A correct paraphrase is thus scored like the gold,
not as a miss. The first five distinct values are the answer.
"""

import re

from valueprefs.annotation.annotate import Annotator
from valueprefs.io import iter_jsonl, read_csv, write_json, write_jsonl
from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, Templates

SPLIT = re.compile(r",|;|\band\b")
BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")
MAX_NAMED = 5
MAX_NAME_WORDS = 4


def named_values(text: str) -> list[str]:
    """The value names an answer lists, in order (before any prose that follows them)."""
    names: list[str] = []
    for line in text.splitlines():
        parts = [BULLET.sub("", part).strip(" .:\"'*") for part in SPLIT.split(line)]
        if names and any(len(part.split()) > MAX_NAME_WORDS for part in parts):
            break
        names += [part for part in parts if part and len(part.split()) <= MAX_NAME_WORDS]
    return names


def map_recognized(
    responses_path: str,
    vocabulary_csv: str,
    judge: dict | None,
    template_paths: dict[str, str],
    cache_dir: str,
    out_values: str,
    out_summary: str,
) -> dict:
    """Write each situation's recognized values (and the names dropped) and a summary."""
    rows = [row for _, row in iter_jsonl(responses_path, allow_empty=True) if row.get("status") == "ok"]
    named = {row["item_id"]: named_values(row.get("text") or "") for row in rows}
    names = sorted({name for found in named.values() for name in found})
    vocabulary = list(read_csv(vocabulary_csv)["value"])
    templates = Templates.from_files(template_paths, JUDGE_TEMPLATE_NAMES)
    annotator = Annotator([judge] if judge else [], vocabulary, {}, templates, cache_dir)
    direct = {name: annotator.matcher.match(name) for name in names}
    mapping = dict(zip(names, annotator.standardize(judge, names), strict=True)) if judge else direct
    situations = []
    for item_id, found in named.items():
        values = list(dict.fromkeys(mapping[name] for name in found if mapping[name]))[:MAX_NAMED]
        dropped = [name for name in found if not mapping[name]]
        situations.append({"item_id": item_id, "values": values, "names": found, "dropped": dropped})
    write_jsonl(out_values, situations)
    spent = {name: meter.as_dict() for name, meter in annotator.meters.items()}
    summary = {
        "situations": len(situations),
        "names": len(names),
        "matched_by_spelling": sum(1 for value in direct.values() if value),
        "standardized_by_judge": sum(1 for name in names if mapping[name] and not direct[name]),
        "dropped_names": sorted(name for name in names if not mapping[name]),
        "judge": judge["name"] if judge else None,
        "judge_calls": sum(meter["completions"] for meter in spent.values()),
        "spent": spent,
    }
    write_json(out_summary, summary)
    return summary
