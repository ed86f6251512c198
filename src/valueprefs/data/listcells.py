"""Safe parsing of list cells stored as Python reprs (``"['a', 'b', nan]"``) in upstream CSVs.

The cell is parsed into a syntax tree and only list/tuple literals of strings (and ``nan``,
which upstream writes for a missing entry) are accepted; nothing is ever evaluated.
"""

import ast


def parse_list_cell(text: object) -> list[str | None]:
    """Return the strings of a list cell; ``nan`` entries become ``None``.

    Raises ``ValueError`` with a short reason when the cell is not such a list.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected a list like ['a', 'b'], got {text!r}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise ValueError(f"not a list literal: {text[:80]!r}") from None
    node = tree.body
    if not isinstance(node, (ast.List, ast.Tuple)):
        raise ValueError(f"not a list literal: {text[:80]!r}")
    items: list[str | None] = []
    for element in node.elts:
        if isinstance(element, ast.Constant) and isinstance(element.value, str):
            items.append(element.value)
        elif isinstance(element, ast.Name) and element.id == "nan":
            items.append(None)
        else:
            raise ValueError(f"list entries must be quoted strings: {text[:80]!r}")
    return items
