import pytest
from hypothesis import given
from hypothesis import strategies as st

from valueprefs.data.listcells import parse_list_cell


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("['honesty', 'trust']", ["honesty", "trust"]),
        ('["a", "b"]', ["a", "b"]),
        ("[]", []),
        ("[nan, 'Traditional']", [None, "Traditional"]),
        ("  ['x']  ", ["x"]),
        ("('x', 'y')", ["x", "y"]),
    ],
)
def test_parses_upstream_list_cells(cell, expected):
    assert parse_list_cell(cell) == expected


@pytest.mark.parametrize(
    "cell",
    [
        "honesty, trust",
        "['unterminated",
        "[1, 2]",
        "__import__('os').system('touch /tmp/valueprefs-pwned')",
        "[open('x')]",
        "{'a': 1}",
        "",
    ],
)
def test_rejects_anything_but_a_list_of_strings(cell):
    with pytest.raises(ValueError):
        parse_list_cell(cell)


def test_non_text_cell_is_rejected():
    with pytest.raises(ValueError, match="expected a list"):
        parse_list_cell(float("nan"))


@given(st.lists(st.text()))
def test_round_trips_any_list_of_strings(items):
    assert parse_list_cell(repr(items)) == items


@given(st.text())
def test_never_raises_anything_but_value_error(text):
    try:
        result = parse_list_cell(text)
    except ValueError:
        return
    assert all(item is None or isinstance(item, str) for item in result)
