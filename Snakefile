"""valueprefs: value preferences of language models in short- and long-form answers.

Run `snakemake --cores 2` for the embedded default, or
`snakemake --profile profiles/slurm -d runs/paper --configfile config/paper.yaml` for the paper.
"""

import os
import sys

from snakemake.utils import min_version

min_version("9.0")

# The library lives in this checkout's src/: the workflow and every job it starts (local,
# SLURM or conda) import that copy, so results always come from the code beside the rules.
LIBRARY = os.path.join(workflow.basedir, "src")
sys.path.insert(0, LIBRARY)
os.environ.update(
    PYTHONPATH=os.pathsep.join(filter(None, [LIBRARY, os.environ.get("PYTHONPATH")]))
)


from valueprefs.config import load_config_file
from valueprefs.errors import ConfigError

# The embedded default applies only when no --configfile is given: Snakemake would otherwise
# merge config/paper.yaml into it (and run the demo models alongside the paper's). It is read
# strictly first, so a tab or a duplicate key is reported with the file and line. It is found
# beside this Snakefile, also when `-d` runs the workflow in another directory.
EMBEDDED_CONFIG = os.path.join(workflow.basedir, "config.yaml")
if not workflow.overwrite_configfiles:
    try:
        load_config_file(EMBEDDED_CONFIG)
    except ConfigError as error:
        raise SystemExit(f"error: {error}") from None

    configfile: EMBEDDED_CONFIG


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


drop_cluster_resources_of_local_rules()


include: "workflow/rules/data.smk"
include: "workflow/rules/generate.smk"
include: "workflow/rules/annotate.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/plan.smk"


onstart:
    check_api_keys()
    claim(config, workflow.configfiles)  # results/ holds this study from now on


onsuccess:
    print(run_summary_text())


onerror:
    print(run_summary_text(failed=True))


rule all:
    default_target: True
    input:
        PLAN.final_targets(),
