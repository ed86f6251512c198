"""Named scenarios for synthetic controls: presets of the parameters that break the estimators'
assumptions (``behaviour.ControlParams``). ``assumptions`` is the model TrueSkill and the
position score are built on; each other scenario breaks one of its assumptions, in the way a
real model or judge might. ``set_sizes`` and ``side_skew`` shape calibration's generated
dilemmas (``data.generated``); a workflow control answers the data set it is given."""

SCENARIOS: dict[str, dict] = {
    "assumptions": {},
    # one effect per dilemma for one of its actions, shared by both formats (sd 1, mean 0: as
    # strong as one value; at sd 3 short answers carry little value information, bench/RESULTS.md)
    "dilemma_effects": {"dilemma_effect": 1.0},
    # the same with a global preference for acting, in dilemmas whose values lean to one side
    # (log-odds sd 2 of the "to do" side): a preference for a side that looks like one for values
    "side_bias": {"dilemma_effect": 1.0, "side_bias": 0.5, "side_skew": 2.0},
    # a value set is as strong as its strongest value, not the sum of its values
    "max_rule": {"choice_rule": "max"},
    # heavier-tailed noise than TrueSkill's Gaussian performances
    "logistic_noise": {"noise_family": "logistic"},
    # the ordering noise of an item's answers independent across k
    "order_noise_per_k": {"order_noise_per_k": True},
    # one value opens every long answer (position saturation)
    "leading_value": {"leading_value": True},
    # arguments that name up to 3 values, miss their value 10% of the time, name a stray one 10%
    "judge_errors": {"values_per_argument": 3, "missed_value": 0.1, "spurious_value": 0.1},
    # value sets of 1 to 7 values per action instead of 2 to 4
    "wide_sets": {"set_sizes": [1, 2, 3, 4, 5, 6, 7]},
    # everything above that a real model and judge may do at once
    "everything": {
        "dilemma_effect": 1.0,
        "side_bias": 0.3,
        "choice_rule": "max",
        "noise_family": "logistic",
        "order_noise_per_k": True,
        "values_per_argument": 2,
        "missed_value": 0.05,
        "spurious_value": 0.05,
        "set_sizes": [1, 2, 3, 4, 5, 6, 7],
        "side_skew": 2.0,
    },
}
# the scenarios the methods were chosen on: the interval method, half samples and min_evidence on
# the first; the covariates the headline takes out on the second
TUNED_ON = ("assumptions", "side_bias")


def scenario_control(control: dict) -> dict:
    """A control section with its ``scenario`` preset applied (its own keys take precedence)."""
    name = control.get("scenario")
    if name is None:
        return dict(control)
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; choose one of {', '.join(SCENARIOS)}")
    return {**SCENARIOS[name], **{key: value for key, value in control.items() if key != "scenario"}}
