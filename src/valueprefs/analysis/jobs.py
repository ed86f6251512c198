"""The analysis rules' jobs: one model run's analysis, then all runs' tables together with the
framework views of attributes and recognition.

Each job imports what only it uses inside its body: a job starts without loading the others'
libraries. The code digest follows what a job uses of this module wherever it is imported (see
``valueprefs.runtime.code_digest``).
"""

import logging

from valueprefs.io import (
    atomic_write_text,
    iter_jsonl,
    read_csv,
    read_optional_csv,
    read_values,
    write_csv,
    write_jsonl,
)

log = logging.getLogger("valueprefs.analysis")


def write_run_analysis(
    run: dict[str, str], files: dict, settings: dict, limits: dict[str, int], outputs: dict[str, str]
):
    """Every correlation of one model run (``run``: its model and alignment), its bootstrap
    replicates, and per-value attributes (``outputs``: correlations, replicates, attributes).

    ``files`` are what the run's analysis reads (the fields of ``inputs.RunFiles``); ``settings`` the analysis
    settings as plain data (``settings.analysis_params``); ``limits`` the model's items per
    data set."""
    from valueprefs.analysis.analyses import analyze_run
    from valueprefs.analysis.inputs import RunFiles, load_run_inputs
    from valueprefs.analysis.settings import Settings

    settings, files = Settings(**settings), RunFiles(**files)
    inputs = load_run_inputs(files, settings.preference_sample, limits)
    correlations, replicates, attributes = analyze_run(inputs, settings)
    model, alignment = run["model"], run["alignment"]
    write_csv(outputs["correlations"], correlations.assign(**run))
    write_jsonl(outputs["replicates"], [{**run, **row} for row in replicates])
    write_csv(outputs["attributes"], attributes.assign(**run))
    log.info("%s/%s: %d correlations", model, alignment, len(correlations))
    if "set_rule" in correlations and (correlations["set_rule"] == "strongest").any():
        row = correlations[correlations["set_rule"] == "strongest"].iloc[0]
        log.warning(
            "%s/%s: its short answers follow each action's strongest value, not the sum of its values "
            "(held-out log-likelihood %+.3f per decision, %.1f standard errors): the short form cannot rank "
            "values rarely strongest in their set, so short_vs_long understates value-level consistency "
            "(docs/preferences.md: the set rule)",
            model, alignment, row["set_rule_gain"], row["set_rule_gain"] / row["set_rule_se"],
        )  # fmt: skip
    if files.truth:
        checks = correlations[correlations["analysis"].str.startswith("control_")]
        log.info("control checks passed: %d of %d", int(checks["passed"].sum()), len(checks))
    return correlations


def collect_analyses(
    correlations: list[str],
    replicates: list[str],
    attributes: list[str],
    vocabulary_csv: str,
    kinds: dict[str, str],
    outputs: dict[str, str],
):
    """All runs' tables in one place, plus the framework views of attributes and recognition, the
    checks of the calibration controls, and the paper's comparisons as differences (``kinds``:
    data set name -> kind; ``outputs``: correlations, replicates, attributes, frameworks,
    recognition, controls, comparisons)."""
    import pandas as pd

    from valueprefs.analysis.comparisons import comparisons_table
    from valueprefs.analysis.views import control_view, framework_view, recognition_view

    table = pd.concat([read_optional_csv(path) for path in correlations], ignore_index=True)
    write_csv(outputs["correlations"], table)
    write_csv(outputs["recognition"], recognition_view(table))
    write_csv(outputs["controls"], control_view(table))
    drawn = [row for path in replicates for _, row in iter_jsonl(path, allow_empty=True)]
    write_jsonl(outputs["replicates"], drawn)
    comparisons = comparisons_table(table, drawn, kinds)
    write_csv(outputs["comparisons"], comparisons)
    log.info("comparisons: %d rows", len(comparisons))
    values = pd.concat([read_optional_csv(path) for path in attributes], ignore_index=True)
    write_csv(outputs["attributes"], values)
    frameworks = framework_view(values, read_csv(vocabulary_csv)) if not values.empty else pd.DataFrame()
    write_csv(outputs["frameworks"], frameworks)
    return table


def write_control_truth(vocabulary_csv: str, control: dict, out_truth: str):
    """A control's planted truth: both latents per vocabulary value and its parameters."""
    from valueprefs.synthetic.behaviour import ControlParams
    from valueprefs.synthetic.truth import truth_table

    table = truth_table(ControlParams.from_spec(control), read_values(vocabulary_csv))
    write_csv(out_truth, table)
    return table


def write_calibration(vocabulary_csv: str, calibration: dict, analysis: dict, out_coverage: str):
    """Coverage of the reported intervals over seeded control studies (``calibration``: the
    config's section; ``analysis``: the analysis settings each study is analysed with)."""
    from valueprefs.analysis.calibration import calibration_rows
    from valueprefs.analysis.settings import Settings

    settings = Settings.from_analysis(analysis, calibration["n_samples"])
    table = calibration_rows(read_values(vocabulary_csv), calibration, settings)
    write_csv(out_coverage, table)
    log.info("calibration: %d studies per control, %d rows", calibration["studies"], len(table))
    return table


def write_claims(correlations_csv: str, replicates_jsonl: str, kinds: dict[str, str], out_claims: str):
    """The scorecard: each of the paper's claims tested on this run's tables (``kinds``: data set
    name -> kind)."""
    from valueprefs.analysis.claims import claims_table

    table = read_optional_csv(correlations_csv)
    drawn = [row for _, row in iter_jsonl(replicates_jsonl, allow_empty=True)]
    claims = claims_table(table, drawn, kinds)
    write_csv(out_claims, claims)
    for row in claims.itertuples():
        caveat = f" (caveat: {row.caveat})" if isinstance(row.caveat, str) and row.caveat else ""
        log.info("%s (%s): %s%s", row.claim, row.runs, row.verdict, caveat)
    return claims


def write_findings(
    controls_csv: str, claims_csv: str, correlations_csv: str, summary_csv: str, figures: dict[str, str], out_rst: str
) -> str:
    """The report's front page (``figures``: report file name -> title); returns its control headline."""
    from valueprefs.accounting.summary import control_headline
    from valueprefs.analysis.findings import findings_page

    controls = read_optional_csv(controls_csv)
    tables = [read_optional_csv(path) for path in (claims_csv, correlations_csv, summary_csv)]
    atomic_write_text(out_rst, findings_page(controls, *tables, figures))
    return control_headline(controls.to_dict("records"))
