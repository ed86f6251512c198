"""Parameter recovery: Spearman between known latent preferences and both estimators.

Latent preferences over the real 301-value DailyDilemmas vocabulary; value-set sizes drawn
from the real per-action annotations (the shared 5-dilemma file); short-form decisions and
long-form argument orders simulated from the latent values (valueprefs.analysis.simulate).

    .venv/bin/python bench/bench_recovery.py
"""

import os
from pathlib import Path

from valueprefs.analysis.simulate import recovery
from valueprefs.data.sources import load_dilemmas, load_vocabulary

SHARED = Path(os.environ.get("VALUEPREFS_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def main() -> None:
    spec = {"source": "local", "path": str(SHARED / "dailydilemmas")}
    vocabulary = load_vocabulary(spec)
    dilemmas, _ = load_dilemmas(spec, vocabulary)
    sizes = [len(v) for column in ("values_to_do", "values_not_to_do") for v in dilemmas[column]]
    print(f"vocabulary: {len(vocabulary)} values; value-set sizes: {sorted(sizes)}")
    print("| dilemmas / responses | TrueSkill: Spearman (reliability) | logistic: Spearman (reliability) "
          "| long form: Spearman (values seen) |")  # fmt: skip
    print("| --- | --- | --- | --- |")
    for row in recovery(list(vocabulary["value"]), sizes, sizes=[340, 680, 1360, 2500, 5000], seed=1, zipf=1.0):
        print(
            f"| {row['items']} | {row['short_spearman']:.3f} ({row['short_reliability']:.2f}) "
            f"| {row['logistic_spearman']:.3f} ({row['logistic_reliability']:.2f}) "
            f"| {row['long_spearman']:.3f} ({row['long_values']}) |"
        )


if __name__ == "__main__":
    main()
