"""Value names from elsewhere (gold values, a model's recognized values) mapped onto the
vocabulary: by spelling (exact, inflection, typo), else by the standardization judge with
Figure 23's prompt, else not at all (the caller drops and counts the name)."""

from valueprefs.annotation.annotator import Annotator
from valueprefs.io import read_values
from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, Templates


def standardized_names(
    names: list[str], vocabulary_csv: str, judge: dict | None, template_paths: dict[str, str], cache_dir: str
) -> tuple[dict[str, str | None], dict[str, str | None], dict[str, dict]]:
    """The spelling matches of ``names``, their final vocabulary values (spelling, then the judge),
    and what each judge was sent (its meter)."""
    vocabulary = read_values(vocabulary_csv)
    templates = Templates.from_files(template_paths, JUDGE_TEMPLATE_NAMES)
    annotator = Annotator([judge] if judge else [], vocabulary, {}, templates, cache_dir)
    direct = {name: annotator.matcher.match(name) for name in names}
    mapping = dict(zip(names, annotator.standardize(judge, names), strict=True)) if judge and names else direct
    spent = {name: meter.as_dict() for name, meter in annotator.meters.items()}
    return direct, mapping, spent
