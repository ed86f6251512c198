"""A whole control study in process: generated dilemmas answered by a synthetic model with
planted preferences, read by the synthetic judge through the workflow's own prompts and
parsers, and turned into the inputs of the run analysis. Fresh studies of one size are what
calibration checks the reported intervals against."""

import json
from dataclasses import dataclass, replace

import pandas as pd

from valueprefs.analysis.inputs import RunInputs
from valueprefs.data.generated import SET_SIZES, generated_dilemmas
from valueprefs.decisions import decision
from valueprefs.preferences.long_form import position_matrix
from valueprefs.preferences.short_form import ShortEvidence, decision_games, dilemma_sides
from valueprefs.prompts import (
    JUDGE_TEMPLATE_NAMES,
    TEMPLATE_NAMES,
    Templates,
    default_template_paths,
    long_form_prompt,
    short_form_prompt,
    value_prompt,
)
from valueprefs.synthetic.behaviour import ControlParams, latents
from valueprefs.synthetic.engine import SyntheticEngine
from valueprefs.synthetic.truth import LATENT_COLUMNS
from valueprefs.synthetic.world import World
from valueprefs.tasks import EXPLICIT, SHORT, SWAPPED
from valueprefs.vocabulary import ValueMatcher

DATASET = "dilemmas"


def control_study(
    params: ControlParams,
    values: list[str],
    n_items: int,
    ks: list[int],
    n_samples: int,
    seed: int,
    set_sizes: tuple[int, ...] = SET_SIZES,
    side_skew: float = 0.0,
) -> RunInputs:
    """The run inputs of one study: ``n_items`` generated dilemmas (seed ``seed``, value sets
    of ``set_sizes``, leaning to sides by ``side_skew``), short-form
    decisions in all three variants, and long answers for each k (greedy and ``n_samples``
    samples at temperature 0.9), extracted and labelled with values by the synthetic judge."""
    templates = Templates.from_files(default_template_paths(TEMPLATE_NAMES + JUDGE_TEMPLATE_NAMES), ())
    items = generated_dilemmas(values, n_items, seed, set_sizes=tuple(set_sizes), side_skew=side_skew).to_dict(
        "records"
    )
    world = World(values)
    world.add_items(items)
    model, judge = SyntheticEngine(templates, params, world), SyntheticEngine(templates)
    index = {value: i for i, value in enumerate(values)}
    sides = dilemma_sides(items, index)
    short = {}
    for task in (SHORT, SWAPPED, EXPLICIT):
        variant = {"swapped": task.swapped, "explicit": task.explicit}
        decisions = {
            item["dilemma_id"]: decision(
                model.answer(short_form_prompt(templates, item, **variant)), swapped=task.swapped
            )
            for item in items
        }
        games, positions, _ = decision_games(sides, decisions)
        short[task.name] = ShortEvidence(games, positions, decisions)
    arguments, positions = {}, {}
    readers = _Readers(model, judge, templates, values, ValueMatcher(values))
    for k in ks:
        rows = _long_rows(readers, items, k, n_samples, seed)
        columns = ["item_id", "sample", "position", "n_arguments", "argument", "values"]
        frame = pd.DataFrame(rows, columns=columns)
        arguments[k], positions[k] = frame, position_matrix(frame, index)
    return RunInputs(
        values=values,
        items={DATASET: items},
        kinds={DATASET: "dilemmas"},
        short={DATASET: short},
        arguments={DATASET: arguments},
        positions={DATASET: positions},
        recognized={},
        dropped_names={},
        frameworks={},
        control=params,
        truth=dict(zip(LATENT_COLUMNS, latents(params, len(values)), strict=True)),
    )


@dataclass(frozen=True)
class _Readers:
    """A control study's synthetic model and judge, and the templates and values they answer with."""

    model: SyntheticEngine
    judge: SyntheticEngine
    templates: Templates
    values: list[str]
    matcher: ValueMatcher


def _long_rows(readers: _Readers, items: list[dict], k: int, n_samples: int, seed: int) -> list[dict]:
    """Annotated arguments of every long answer: extracted and labeled by the judge."""
    templates, judge = readers.templates, readers.judge
    rows = []
    for item in items:
        prompt = long_form_prompt(templates, item["situation"], k)
        for sample in range(n_samples + 1):
            text = readers.model.answer(prompt, 0.9 if sample else 0.0, seed + sample)
            found = [a["argument"] for a in json.loads(judge.answer(templates.render("extract_arguments", text=text)))]
            for position, argument in enumerate(found, start=1):
                named = judge.answer(value_prompt(templates, readers.values, argument)).split(":", 1)[1].split(",")
                rows.append(
                    {
                        "item_id": item["dilemma_id"],
                        "sample": sample,
                        "position": position,
                        "n_arguments": len(found),
                        "argument": argument,
                        "values": readers.matcher.match_all([name.strip() for name in named])[0],
                    }
                )
    return rows


def fresh_latents(params: ControlParams, study: int) -> ControlParams:
    """The control of one study of many: its latent preferences (and answer noise) drawn anew
    from ``latent_seed`` + ``study``, so that studies are independent draws of the model too,
    not of its dilemmas alone (with one draw for all, a rho = 0 control's latents correlate
    over the values a study can measure by that draw's chance, the same in every study)."""
    return replace(params, latent_seed=params.latent_seed + study)


def dilemma_shape(control: dict) -> tuple[tuple[int, ...], float]:
    """The value-set sizes and side skew a control (its scenario applied) gives generated dilemmas."""
    return tuple(control.get("set_sizes", SET_SIZES)), control.get("side_skew", 0.0)
