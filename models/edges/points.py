"""Points from a table or a CSV file, checked cell by cell at the edge.

A bad table is never partly used: the caller keeps its last valid points and shows every
problem, each naming its row and column, until the table is fixed.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping

from models.experiment import MAX_ABS_VALUE, MAX_POINTS, MIN_POINTS, Points

MAX_CSV_BYTES = 64 * 1024  # 50 rows of two numbers need a few hundred bytes


def _cell(value: object, where: str) -> tuple[float | None, str | None]:
    """Returns (number, None) for a usable cell or (None, what is wrong with it)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, f"{where} is empty"
    if isinstance(value, bool):
        return None, f"{where} is not a number"
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return None, f"{where} ('{str(value)[:20]}') is not a number"
    except OverflowError:  # an int beyond float's range
        return None, f"{where} is larger than {MAX_ABS_VALUE:g} in size"
    if math.isnan(number):
        return None, f"{where} is empty" if not isinstance(value, str) else f"{where} is NaN"
    if not math.isfinite(number):
        return None, f"{where} is infinite"
    if abs(number) > MAX_ABS_VALUE:
        return None, f"{where} ({number:g}) is larger than {MAX_ABS_VALUE:g} in size"
    return number, None


def parse_rows(rows: list[tuple[object, object]]) -> tuple[Points | None, list[str]]:
    """Returns (points, []) when every cell is a usable number, else (None, problems)."""
    problems = []
    if len(rows) < MIN_POINTS:
        problems.append(f"The table has {len(rows)} row{'s' if len(rows) != 1 else ''}; "
                        f"add at least {MIN_POINTS} points.")
    if len(rows) > MAX_POINTS:
        problems.append(f"The table has {len(rows)} rows; at most {MAX_POINTS} points are allowed.")
    xs, ys = [], []
    for i, (x_raw, y_raw) in enumerate(rows[:MAX_POINTS + 1], start=1):
        x, x_problem = _cell(x_raw, f"Row {i}, x")
        y, y_problem = _cell(y_raw, f"Row {i}, y")
        problems += [p for p in (x_problem, y_problem) if p]
        xs.append(x)
        ys.append(y)
    if problems:
        return None, problems
    return Points(tuple(xs), tuple(ys)), []


def parse_csv(data: bytes) -> tuple[Points | None, list[str]]:
    """Returns the points in a two-column CSV (x, y; a header row is optional), or problems."""
    if len(data) > MAX_CSV_BYTES:
        return None, [f"The file is {len(data):,} bytes; the limit is {MAX_CSV_BYTES:,}."]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, ["The file is not UTF-8 text; save it as CSV."]
    try:
        table = [row for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
    except csv.Error as e:
        return None, [f"The file is not valid CSV ({e})."]
    if table and _is_header(table[0]):
        table = table[1:]
    wrong = [i for i, row in enumerate(table, start=1) if len(row) != 2]
    if wrong:
        count = len(table[wrong[0] - 1])
        return None, [f"Row {wrong[0]} has {count} column{'s' if count != 1 else ''}; "
                      "the file needs exactly two, x and y."]
    return parse_rows([(row[0], row[1]) for row in table])


def _is_header(row: list[str]) -> bool:
    """Returns True when no cell of the row reads as a number.

    "nan", "inf" and 1e7 read as numbers here: such a row is data with a problem to report,
    not a header to drop.
    """
    return not any(_reads_as_float(c) for c in row)


def _reads_as_float(text: str) -> bool:
    """Returns True when float() accepts the text."""
    try:
        float(text.strip())
    except ValueError:
        return False
    return True


def to_csv(points: Points) -> str:
    """Returns the points as CSV text with an x,y header."""
    lines = ["x,y"] + [f"{x!r},{y!r}" for x, y in zip(points.xs, points.ys, strict=False)]
    return "\n".join(lines) + "\n"


MAX_EDITED_ROWS = 10 * MAX_POINTS  # rows an edit may add: a paste of too many still shows as
# a table to fix (parse_rows says so), but not one so long that building it takes the server long


def _scalar(value: object) -> bool:
    return value is None or isinstance(value, (bool, int, float)) or \
        (isinstance(value, str) and len(value) <= 100)


def _cells_problem(row: object, columns: tuple[str, ...], where: str) -> str | None:
    if not isinstance(row, Mapping):
        return f"{where} is not a row"
    unknown = [str(c) for c in row if c not in columns]
    if unknown:
        return f"{where} has no column `{unknown[0][:20]}`"
    if not all(_scalar(v) for v in row.values()):
        return f"{where} holds something other than a number or text"
    return None


def edit_problems(edits: object, rows: int, columns: tuple[str, ...] = ("x", "y")) -> list[str]:
    """Returns what makes a data editor's edit state unusable on a table of `rows` rows (its
    edited and deleted rows must exist, its cells be plain values in known columns), or [].

    The state is `{"edited_rows": {row: {column: value}}, "added_rows": [{column: value}],
    "deleted_rows": [row]}`, as st.data_editor keeps it; a browser only sends usable ones.
    """
    if not isinstance(edits, Mapping):
        return ["the edits are not a table's edits"]
    problems = []
    edited, added, deleted = (edits.get(k) for k in ("edited_rows", "added_rows", "deleted_rows"))
    allowed = (*columns, "_index")  # Streamlit's name for the index column
    if not isinstance(edited, Mapping) or not isinstance(added, list) or \
            not isinstance(deleted, list):
        return ["the edits are not a table's edits"]
    for row, cells in list(edited.items())[:rows + 1]:
        if isinstance(row, bool) or not isinstance(row, int) or not 0 <= row < rows:
            problems.append(f"edited row `{str(row)[:20]}` is not a row of the table")
        elif (problem := _cells_problem(cells, allowed, f"edited row {row + 1}")):
            problems.append(problem)
    if len(edited) > rows:
        problems.append(f"{len(edited)} rows were edited; the table has {rows}")
    if len(added) > MAX_EDITED_ROWS:
        problems.append(f"{len(added):,} rows were added; at most {MAX_POINTS} points are allowed")
    else:
        problems += [p for i, row in enumerate(added, start=1)
                     if (p := _cells_problem(row, allowed, f"added row {i}"))]
    bad = [r for r in deleted if isinstance(r, bool) or not isinstance(r, int) or not 0 <= r < rows]
    if bad:
        problems.append(f"deleted row `{str(bad[0])[:20]}` is not a row of the table")
    return problems
