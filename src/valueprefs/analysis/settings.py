"""The analysis settings: what a model run's analysis reads of the config, and nothing else (its
params, so a change elsewhere in the config reruns no analysis)."""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Settings:
    """The analysis settings (the config's ``analysis`` section, with what it needs of the others)."""

    bootstrap: int
    resampling: str  # half (delete-half jackknife) or bootstrap
    seed: int
    preference_sample: int
    temperature_samples: list[int]
    reference_dataset: str | None
    compression_replicates: int
    compression_subset_size: int  # arguments per subset of the equal-size compression ratio
    compression_subsets: int  # subsets per value it averages
    specificity: list[str]
    estimator: str  # short form: trueskill (the paper's) or logistic (batch Bradley-Terry)
    reliability_splits: int
    min_evidence: int  # games (short) or answers to dilemmas annotating it (long) a value needs to be correlated
    replicate_splits: int = 4  # splits of each replicate's items behind the headline consistency

    @classmethod
    def from_config(cls, config: dict) -> "Settings":
        """The settings of a workflow config: its ``analysis`` section, the temperature samples
        (``generation.n_samples``) and the specificity prompts rated (``annotation.specificity``)."""
        return cls.from_analysis(
            config["analysis"], config["generation"]["n_samples"], config["annotation"]["specificity"]
        )

    @classmethod
    def from_analysis(cls, analysis: dict, n_samples: int = 0, specificity: list[str] | tuple = ()) -> "Settings":
        """Settings from an ``analysis`` section, ``n_samples`` temperature samples and the
        ``specificity`` prompts rated."""
        return cls(
            bootstrap=analysis["bootstrap"],
            resampling=analysis["resampling"],
            seed=analysis["seed"],
            preference_sample=analysis["preference_sample"],
            temperature_samples=list(range(1, n_samples + 1)),
            reference_dataset=analysis["reference_dataset"],
            compression_replicates=analysis["compression_replicates"],
            compression_subset_size=analysis["compression_subset_size"],
            compression_subsets=analysis["compression_subsets"],
            specificity=list(specificity),
            estimator=analysis["estimator"],
            reliability_splits=analysis["reliability_splits"],
            min_evidence=analysis["min_evidence"],
            replicate_splits=analysis["replicate_splits"],
        )


def analysis_params(config: dict) -> dict:
    """The analysis settings of a workflow config as plain data, for a rule's params."""
    return asdict(Settings.from_config(config))
