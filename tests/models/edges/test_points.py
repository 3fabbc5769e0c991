"""The points table and CSV uploads: every bad cell is named by row and column, good ones parse."""

import math

import pytest

from models.edges.points import MAX_CSV_BYTES, edit_problems, parse_csv, parse_rows, to_csv
from models.experiment import Points


def test_good_rows_become_points():
    """Numbers, numeric strings (with spaces) and ints all become float points."""
    points, problems = parse_rows([(-1, "0.5"), (" 2e3 ", 4.0), (0.0, "-1000000")])
    assert problems == []
    assert points == Points((-1.0, 2000.0, 0.0), (0.5, 4.0, -1e6))
    assert all(type(v) is float for v in points.xs + points.ys)


@pytest.mark.parametrize("cell, words", [
    (None, "is empty"), ("", "is empty"), ("   ", "is empty"), (math.nan, "is empty"),
    ("abc", "('abc') is not a number"), ("nan", "is NaN"), ("NaN", "is NaN"),
    (math.inf, "is infinite"), ("-inf", "is infinite"), ("1e999", "is infinite"),
    (2e6, "larger than"), ("-1000000.5", "larger than"),
    pytest.param(10**400, "larger than", id="int-beyond-float"),
    (True, "is not a number"), ([1, 2], "is not a number"),
])
def test_bad_cell_is_named_by_row_and_column(cell, words):
    """A bad cell gives one problem naming its row and column and saying what is wrong."""
    points, problems = parse_rows([(1.0, 2.0), (3.0, cell), (5.0, 6.0)])
    assert points is None
    assert len(problems) == 1
    assert problems[0].startswith("Row 2, y") and words in problems[0]


def test_every_bad_cell_is_reported():
    """Problems in several cells are all listed, x before y, row by row."""
    _, problems = parse_rows([("a", 1.0), (2.0, None), (None, "inf")])
    assert [p.split(" is")[0].split(" (")[0] for p in problems] == [
        "Row 1, x", "Row 2, y", "Row 3, x", "Row 3, y"]


def test_one_row_is_too_few():
    """A single row is a problem that says at least 2 points are needed."""
    points, problems = parse_rows([(1.0, 2.0)])
    assert points is None and problems == ["The table has 1 row; add at least 2 points."]


def test_no_rows_is_too_few():
    """An empty table is a problem."""
    points, problems = parse_rows([])
    assert points is None and "0 rows" in problems[0]


def test_fifty_rows_are_allowed_and_fifty_one_are_not():
    """50 rows parse; 51 give a problem naming the limit."""
    assert parse_rows([(float(i), 1.0) for i in range(50)])[1] == []
    points, problems = parse_rows([(float(i), 1.0) for i in range(51)])
    assert points is None and problems == ["The table has 51 rows; at most 50 points are allowed."]


def test_values_at_the_size_limit_are_allowed():
    """+-1e6 exactly are within bounds."""
    assert parse_rows([(1e6, -1e6), ("-1e6", "1000000")]) == (Points((1e6, -1e6), (-1e6, 1e6)), [])


# --- CSV ----------------------------------------------------------------------------------------

def test_csv_with_header():
    """A header row of names is skipped."""
    assert parse_csv(b"x,y\n-1,0.5\n2,3\n") == (Points((-1.0, 2.0), (0.5, 3.0)), [])


def test_csv_without_header():
    """Without a header the first row is data."""
    assert parse_csv(b"-1,0.5\r\n2,3\r\n") == (Points((-1.0, 2.0), (0.5, 3.0)), [])


def test_csv_with_byte_order_mark():
    """A UTF-8 BOM (Excel's CSV) is not part of the first cell."""
    data = "\ufeffx,y\n1,2\n3,4\n".encode()
    assert parse_csv(data) == (Points((1.0, 3.0), (2.0, 4.0)), [])
    assert parse_csv("\ufeff1,2\n3,4\n".encode()) == (Points((1.0, 3.0), (2.0, 4.0)), [])


def test_csv_blank_lines_are_skipped():
    """Empty lines and lines of empty cells are ignored."""
    assert parse_csv(b"\n1,2\n\n , \n3,4\n\n") == (Points((1.0, 3.0), (2.0, 4.0)), [])


@pytest.mark.parametrize("data, row, columns", [
    (b"1,2\n3\n", 2, 1), (b"1,2,3\n4,5,6\n", 1, 3), (b"x,y\n1,2\n3,4,5\n", 2, 3),
    (b"1;2\n3;4\n", 1, 1),
])
def test_csv_with_wrong_column_count(data, row, columns):
    """A row without exactly two columns is named with its column count."""
    points, problems = parse_csv(data)
    assert points is None and len(problems) == 1
    assert problems[0].startswith(f"Row {row} has {columns} column") and "two" in problems[0]


def test_csv_bad_cells_are_named_like_the_table():
    """A bad number in a CSV gives the table's row-and-column problem."""
    assert parse_csv(b"x,y\n1,2\n3,abc\n") == (None, ["Row 2, y ('abc') is not a number"])


@pytest.mark.parametrize("first_row", [b"nan,inf", b"1e7,2e7", b"nan,1e999"])
def test_a_first_row_of_bad_numbers_is_reported_not_taken_for_a_header(first_row):
    """A first row that reads as numbers (nan, inf, too large) is data with problems, not a header."""
    points, problems = parse_csv(first_row + b"\n1,2\n3,4\n")
    assert points is None
    assert problems and all(p.startswith("Row 1,") for p in problems)


def test_csv_not_utf8():
    """Bytes that are not UTF-8 give a problem asking for CSV text."""
    points, problems = parse_csv("x,y\n1,2\n3,4\n".encode("utf-16"))
    assert points is None and problems == ["The file is not UTF-8 text; save it as CSV."]
    assert parse_csv(b"1,2\n\xff\xfe,3\n")[0] is None


def test_csv_too_large():
    """A file over the size limit is refused before reading it, saying the limit."""
    data = b"1,2\n" * (MAX_CSV_BYTES // 4 + 1)
    points, problems = parse_csv(data)
    assert points is None and len(problems) == 1
    assert f"{MAX_CSV_BYTES:,}" in problems[0] and f"{len(data):,}" in problems[0]


def test_csv_with_one_data_row_is_too_few():
    """A header and one row give the too-few problem."""
    assert parse_csv(b"x,y\n1,2\n") == (None, ["The table has 1 row; add at least 2 points."])


def test_empty_csv():
    """An empty file is a too-few problem, not an error."""
    points, problems = parse_csv(b"")
    assert points is None and "0 rows" in problems[0]


@pytest.mark.parametrize("points", [
    Points(),
    Points((1e6, -1e6, 0.1 + 0.2, 1 / 3), (-0.0, 5e-324, 123456.789, -2.5)),
    Points(tuple(float(i) / 7 for i in range(50)), tuple(float(-i) ** 3 / 11 for i in range(50))),
])
def test_to_csv_round_trips_through_parse_csv(points):
    """Writing points as CSV and reading them back gives exactly the same floats."""
    text = to_csv(points)
    assert text.startswith("x,y\n")
    assert parse_csv(text.encode("utf-8")) == (points, [])


def test_a_browsers_edits_are_usable():
    """Edits a data editor makes (cells, added and deleted rows, empty cells) pass."""
    edits = {"edited_rows": {0: {"x": 1.5}, 2: {"y": None}}, "added_rows": [{"x": "2", "y": 3}],
             "deleted_rows": [1]}
    assert edit_problems(edits, rows=3) == []


@pytest.mark.parametrize(("edits", "problem"), [
    ([1, 2], "not a table's edits"),
    ({"edited_rows": [], "added_rows": [], "deleted_rows": []}, "not a table's edits"),
    ({"edited_rows": {999: {"x": 1}}, "added_rows": [], "deleted_rows": []}, "edited row `999`"),
    ({"edited_rows": {0: {"z": 1}}, "added_rows": [], "deleted_rows": []}, "no column `z`"),
    ({"edited_rows": {0: {"x": [1]}}, "added_rows": [], "deleted_rows": []}, "other than a number"),
    ({"edited_rows": {}, "added_rows": [{"x": 1}] * 10_000, "deleted_rows": []}, "10,000 rows"),
    ({"edited_rows": {}, "added_rows": [3], "deleted_rows": []}, "added row 1 is not a row"),
    ({"edited_rows": {}, "added_rows": [], "deleted_rows": [True]}, "deleted row `True`"),
    ({"edited_rows": {}, "added_rows": [], "deleted_rows": [5]}, "deleted row `5`"),
])
def test_edits_no_browser_makes_are_named(edits, problem):
    """Rows or columns the table does not have, non-scalar cells, huge additions: each said."""
    assert any(problem in p for p in edit_problems(edits, rows=3)), edit_problems(edits, rows=3)
