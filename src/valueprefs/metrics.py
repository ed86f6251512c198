"""Names of the per-argument and per-value attribute columns, defined once for every stage."""

SPECIFICITY_KINDS = ("path", "attribute")  # Figure 21 (argument tree depth) and Figure 22 (attributes)
SPECIFICITY_COLUMNS = tuple(f"specificity_{kind}" for kind in SPECIFICITY_KINDS)
DIVERSITY_COLUMN = "compression_ratio"  # the paper's: all of a value's arguments at once
EQUAL_SIZE_DIVERSITY_COLUMN = "compression_ratio_equal_n"  # equal-size subsets of them
ATTRIBUTE_COLUMNS = (*SPECIFICITY_COLUMNS, DIVERSITY_COLUMN, EQUAL_SIZE_DIVERSITY_COLUMN)


def specificity_column(kind: str) -> str:
    """The column of one specificity kind ("path" -> "specificity_path")."""
    return f"specificity_{kind}"
