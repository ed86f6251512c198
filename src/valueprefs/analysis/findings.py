"""The report's front page: what the run found, as reStructuredText that the report's workflow
description includes: the control checks (what was planted, what was measured), the claims
scorecard, the short- vs long-form consistency of every model run with its interval, the run
summary, and a link to every figure. Tables are list-tables, so the report shows them as tables.
"""

import math

import pandas as pd

from valueprefs.accounting.summary import control_headline

RUN_SUMMARY_COLUMNS = (
    "stage", "job", "responses", "calls", "failed_calls", "decisions", "unparsed_decisions", "arguments",
    "judge_calls", "failed_labels",
)  # fmt: skip
RST_SPECIAL = "\\*`|_[]<>:"
MISSING = "n/a"


def _text(value) -> str:
    """A table cell: missing as n/a, numbers short, reStructuredText markup escaped."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return MISSING
    if isinstance(value, float):
        value = int(value) if value.is_integer() else f"{value:.2f}"
    return "".join(f"\\{char}" if char in RST_SPECIAL else char for char in str(value)).replace("\n", " ")


def _interval(estimate, low, high) -> str:
    """``0.47 [0.28, 0.66]``; n/a when there is no estimate."""
    if pd.isna(estimate):
        return MISSING
    return f"{estimate:.2f}" + (f" [{low:.2f}, {high:.2f}]" if pd.notna(low) and pd.notna(high) else "")


def list_table(title: str, header: list[str], rows: list[list]) -> str:
    """A reStructuredText list-table (an empty one says so in a sentence instead)."""
    if not rows:
        return f"*{title}: none in this run.*\n"
    lines = [f".. list-table:: {title}", "   :header-rows: 1", ""]
    for cells in [header, *rows]:
        lines += [f"   * - {_text(cells[0])}", *(f"     - {_text(cell)}" for cell in cells[1:])]
    return "\n".join(lines) + "\n"


def _setting(row) -> str:
    """``dailydilemmas, long_k3`` or ``dailydilemmas, k = 3``: the parts a check row has."""
    parts = [row.dataset, row.task if isinstance(row.task, str) else None]
    parts.append(f"k = {int(row.k)}" if pd.notna(row.k) else None)
    return ", ".join(part for part in parts if part)


def control_table(controls: pd.DataFrame) -> str:
    """One row per control check: the run, what must hold, what was planted and is expected
    of the measurement, and what was measured."""
    rows = [
        [
            f"{row.model} ({row.alignment})",
            _setting(row),
            row.check,
            row.should,
            row.planted,
            row.expected if pd.notna(row.expected) else f"at most the ceiling {_text(row.ceiling)}",
            _interval(row.r, row.ci_low, row.ci_high),
            "yes" if str(row.passed).lower() == "true" else "NO",
        ]
        for row in controls.itertuples()
    ]
    header = ["run", "data set", "check", "what must hold", "planted", "expected", "measured r [95% CI]", "passed"]
    return list_table("Control checks", header, rows)


def consistency_table(correlations: pd.DataFrame) -> str:
    """Short- vs long-form headline consistency per model run, data set and k, with its interval."""
    if "analysis" not in correlations:
        return list_table("Short- vs long-form consistency per model run", [], [])
    rows = correlations[correlations["analysis"] == "short_vs_long"]
    return list_table(
        "Short- vs long-form consistency per model run",
        ["run", "data set", "k", "consistency [95% CI]", "paper's r"],
        [
            [
                f"{row.model} ({row.alignment})",
                row.dataset,
                row.k,
                _interval(row.consistency, row.consistency_low, row.consistency_high),
                _interval(row.r, None, None),
            ]
            for row in rows.itertuples()
        ],
    )


def claims_table(claims: pd.DataFrame) -> str:
    """The paper's claims with this run's estimate, interval and verdict."""
    rows = [
        [row.sentence, row.runs, _interval(row.estimate, row.ci_low, row.ci_high), row.verdict]
        for row in claims.itertuples()
    ]
    return list_table("The paper's claims on this run", ["claim", "runs", "estimate [95% CI]", "verdict"], rows)


def summary_table(summary: pd.DataFrame) -> str:
    """The run summary's counts per job (the columns any job has)."""
    columns = [column for column in RUN_SUMMARY_COLUMNS if column in summary and summary[column].notna().any()]
    rows = [[row[column] for column in columns] for _, row in summary.iterrows()]
    return list_table("Run summary", [column.replace("_", " ") for column in columns], rows)


def findings_page(
    controls: pd.DataFrame,
    claims: pd.DataFrame,
    correlations: pd.DataFrame,
    summary: pd.DataFrame,
    figures: dict[str, str],
) -> str:
    """The front page (``figures``: the report's file name of each figure -> its title)."""
    headline = control_headline(controls.to_dict("records"))
    links = "\n".join(f"- `{name}`_: {_text(title)}" for name, title in figures.items())
    return "\n".join(
        [
            "What this run found",
            "-------------------",
            "",
            f"**{headline[0].upper() + headline[1:]}.** A control is a synthetic model whose preferences were "
            "planted; each check compares what the workflow measured with what was planted.",
            "",
            control_table(controls),
            claims_table(claims),
            consistency_table(correlations),
            summary_table(summary),
            "Figures",
            "~~~~~~~",
            "",
            links or "*No figure in this run.*",
            "",
        ]
    )
