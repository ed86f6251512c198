"""The report's front page, rendered by docutils as Snakemake renders it: one table row per
control check with what was planted and what was measured, text that reStructuredText would
read as markup shown as written, and a sentence instead of an empty table."""

import pandas as pd
from docutils.core import publish_parts

from valueprefs.analysis.findings import findings_page


def rendered(rst: str, targets: list[str]) -> str:
    """HTML body of ``rst`` with a link target per report file, as the report appends them."""
    links = "".join(f"\n.. _{name}: javascript:app.showResultInfo('results/figures/{name}')" for name in targets)
    return publish_parts(rst + "\n" + links, writer="html", settings_overrides={"report_level": 1})["html_body"]


def controls() -> pd.DataFrame:
    base = {"alignment": "instruct", "dataset": "dd", "ci_low": 0.1, "ci_high": 0.5, "ceiling": 0.8, "planted": None}
    return pd.DataFrame(
        [
            base | {"model": "consistent", "check": "control_recovery", "task": "short", "k": None, "r": 0.3,
                    "expected": None, "passed": True, "should": "r above 0 and not beyond the ceiling"},
            base | {"model": "confounded", "check": "control_consistency", "task": None, "k": 4, "r": 0.62,
                    "planted": 0.0, "expected": 0.05, "passed": False, "should": "covers |x| * planted_r"},
        ]
    )  # fmt: skip


def test_the_front_page_has_a_row_per_check_and_shows_markup_as_written():
    claims = pd.DataFrame([{"sentence": "Short and long correlate *weakly*.", "runs": "models", "estimate": 0.1,
                            "ci_low": -0.1, "ci_high": 0.3, "verdict": "supported"}])  # fmt: skip
    summary = pd.DataFrame([{"stage": "generate", "job": "m/instruct", "responses": 10, "calls": 8.0}])
    page = findings_page(controls(), claims, pd.DataFrame(), summary, {"fig03a.png": "Figure 3a: short vs long"})
    html = rendered(page, ["fig03a.png"])
    assert "system-message" not in html and "problematic" not in html
    assert "<strong>Control checks: 1 of 2 passed.</strong>" in html
    control_table = html[html.index("<caption>Control checks</caption>") : html.index("</table>")]
    assert control_table.count("<tr>") == 1 + 2  # the header and one row per check
    assert "covers |x| * planted_r" in control_table and "0.62 [0.10, 0.50]" in control_table
    assert "dd, k = 4" in control_table and "at most the ceiling 0.80" in control_table and "NO" in control_table
    assert "correlate *weakly*." in html  # not emphasis
    assert "href=\"javascript:app.showResultInfo('results/figures/fig03a.png')\">fig03a.png</a>" in html
    assert "Short- vs long-form consistency per model run: none in this run." in html


def test_without_controls_the_page_says_so():
    page = findings_page(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), {})
    html = rendered(page, [])
    assert "Control checks: none (no calibration control in this config)." in html
    assert "system-message" not in html and "No figure in this run." in html
