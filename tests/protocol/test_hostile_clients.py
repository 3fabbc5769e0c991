"""A hostile client on the websocket: whatever widget states it sends, in whatever order it
presses buttons, its page stays a working page that says what it replaced, the server's memory
stays bounded, and another student's session keeps its own run.

Against a real `streamlit run app.py`, through tests/harness/protocol.py. Every wait is for the
server's script_finished messages, never a sleep, so nothing here depends on the machine's speed.
Examples: the issue's table (one crafted state each), WIDGET_EXAMPLES generated rounds of 1 to 4
states each, and BUTTON_EXAMPLES generated sequences of 1 to 12 presses sent without waiting.
"""

from __future__ import annotations

import json
import math
import re

import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.proto.Common_pb2 import UploadedFileInfo
from streamlit.proto.WidgetStates_pb2 import WidgetState

from tests.harness.protocol import PageClient

WIDGET_EXAMPLES = 30
BUTTON_EXAMPLES = 10
# The server's resident memory may grow by at most this much over the module (measured: 10 MB;
# a leak per crafted message, e.g. 10,000-row tables kept, would pass it quickly).
MEMORY_GROWTH = 400 * 2**20
EDITOR = re.compile(r"points_\d+")
FUZZ = settings(max_examples=WIDGET_EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


def state(widget_id: str, **value) -> WidgetState:
    """Returns a widget state with one value field set (an array field from a list)."""
    proto = WidgetState(id=widget_id)
    for field, content in value.items():
        if field.endswith("_array_value"):
            getattr(proto, field).data.extend(content)
        elif field == "arrow_value":
            proto.arrow_value.data = content
        elif field == "file_uploader_state_value":
            proto.file_uploader_state_value.uploaded_file_info.append(
                UploadedFileInfo(name=content, size=len(content), file_id=content))
        elif field == "string_trigger_value":
            proto.string_trigger_value.data = content
        else:
            setattr(proto, field, content)
    return proto


def edits(added: int = 0, **parts) -> str:
    """Returns a data editor's edit state as JSON text, with `added` rows appended."""
    rows = [{"x": float(i), "y": float(i)} for i in range(added)]
    return json.dumps({"edited_rows": {}, "added_rows": rows, "deleted_rows": [], **parts})


def assert_working(page: PageClient) -> None:
    """The page has no exception and shows its status line and readouts."""
    assert page.exceptions() == [], [(e.type, e.message) for e in page.exceptions()]
    assert {"Loss", "Floor", "Gap"} <= page.metrics().keys(), page.texts()
    assert any(t.startswith("## ") for t in page.texts())


def editor_id(page: PageClient) -> str | None:
    """Returns the id of the points table's editor (its key changes when it is refreshed)."""
    return next((w.id for k, w in page.widgets().items() if EDITOR.fullmatch(k)), None)


def floor_and_status(page: PageClient) -> tuple[str, str]:
    return page.metrics()["Floor"], next(t for t in page.texts() if t.startswith("## "))


@pytest.fixture(scope="module")
def hostile(app_server):
    """Returns the hostile client's page, opened on the question preset."""
    with PageClient(app_server.url).connect("preset=question") as page:
        page.wait_for_run(0)
        yield page


@pytest.fixture(scope="module")
def server_memory(app_server, hostile, other_student):
    """Returns (the server's resident memory in bytes once both pages are open, a function
    giving it now)."""
    process = psutil.Process(app_server.process.pid)
    return process.memory_info().rss, lambda: process.memory_info().rss


@pytest.fixture(scope="module")
def other_student(app_server):
    """Returns another student's page, on the two-points preset and one epoch in (Step)."""
    with PageClient(app_server.url).connect("preset=two_points&epochs=40") as page:
        page.wait_for_run(0)
        page.run(None, [state(page.widgets()["step"].id, trigger_value=True)])
        assert floor_and_status(page) == ("0.000e+00", "## Paused · epoch 1/40")
        yield page


# The table, and what the page must say about each value (None: the value is usable).
TABLE = [
    ("lr", dict(int_array_value=[10**9]), "Learning rate `1000000000`: the value must be between "
                                          "1e-06 and 10; used 10."),
    ("lr", dict(double_array_value=[math.nan]), "Learning rate `nan`: it is not a finite number"),
    ("act", dict(int_value=999), "Activation `999`: it is not a name; used"),
    ("scale", dict(double_array_value=[1e300]), "Initial weight scale `1e+300`: the value must be "
                                                "between 0.0001 and 10; used 10."),
    ("epochs", dict(double_value=1e12), "Epochs `1000000000000`: the value must be between 1 and "
                                        "100000; used 100000."),
    ("width", dict(double_array_value=[1e5]), "`100000`: the value must be between 1 and 256"),
    ("depth", dict(double_array_value=[1000]), "Hidden layers `1000`: the value must be between "
                                               "0 and 8; used 8."),
    ("epochs", dict(double_value=-5), "Epochs `-5`: the value must be between 1 and 100000; used 1."),
    ("batch", dict(double_value=0), "Batch size `0`: the value must be between 1 and 10000; used 1."),
    ("seed", dict(double_value=-1e20), "Seed `-1e+20`: the value must be between 0 and 2147483647"),
    ("seeds", dict(double_array_value=[1e6]), "Seeds trained together `1000000`: the value must be "
                                              "between 1 and 64; used 64."),
    ("act", dict(string_array_value=["relu"]), None),  # a list where a select sends a string
    ("opt", dict(string_value="sgd"), None),  # a string where a segmented control sends a list
    ("opt", dict(string_array_value=["adagrad"]), "Optimizer `adagrad`: it is not one of"),
    ("$$ID-0-nonexistent", dict(int_value=5), "`nonexistent`: it is not a control on this page"),
    ("editor", dict(string_value=edits(10_000)), "10,000 rows were added"),
    ("editor", dict(string_value=edits(edited_rows={"0": {"x": "text"}, "1": {"y": None}},
                                       added_rows=[{"x": "NaN", "y": "text"}])),
     "Training waits until the table is fixed"),
    ("epochs", dict(double_value=math.inf), "Epochs `inf`: it is not a finite number"),
    ("epochs", dict(bool_value=True), "Epochs `True`: it is not a number"),
    ("editor", dict(string_value="{not json"), "could not read a string_value for it"),
    ("editor", dict(string_value=edits(edited_rows={"999": {"x": 1}})), "edited row `999`"),
    ("editor", dict(string_value=edits(edited_rows={"0": {"z": 1}})), "has no column `z`"),
    ("editor", dict(string_value=edits(deleted_rows=[999])), "deleted row `999`"),
    # The lecture panel draws its controls only while it is open (a closed one has no pills to
    # send to): a state for them is a control not on this page. The pills' own check of values
    # is the button group's, which "opt" above exercises.
    ("lecture_shown", dict(string_array_value=["nothing"]),
     "`lecture_shown`: it is not a control on this page"),
]


@pytest.mark.parametrize(("key", "value", "warning"), TABLE,
                         ids=[f"{k}-{next(iter(v))}-{i}" for i, (k, v, _) in enumerate(TABLE)])
def test_a_crafted_widget_state_leaves_a_working_page_that_says_what_it_replaced(
        hostile, other_student, server_memory, key, value, warning):
    """Each of the issue's crafted values gives a working page with a warning naming it."""
    widgets = hostile.widgets()
    widget_id = editor_id(hostile) if key == "editor" else widgets[key].id if key in widgets \
        else key
    hostile.run(None, [state(widget_id, **value)])
    assert_working(hostile)
    if warning is not None:
        assert any(warning in text for text in hostile.texts()), hostile.texts()


# Values of every size and sign, NaN and infinities, and every kind of field a widget state has.
numbers = st.one_of(st.floats(), st.integers(-2**63, 2**63 - 1),
                    st.sampled_from([0, -1, 1e12, -1e20, 2**31, 1e-300, 1e300, 5e-324]))
texts = st.one_of(st.text(max_size=40), st.sampled_from(
    ["", "nan", "inf", "1e9", "-5", "relu", "adam", "keras", "9" * 100_000, "\x00", "😀" * 1000]))
table_edits = st.builds(
    lambda added, edited, deleted: json.dumps({"edited_rows": edited, "added_rows": added,
                                               "deleted_rows": deleted}),
    st.one_of(st.lists(st.fixed_dictionaries({"x": numbers | texts | st.none(),
                                              "y": numbers | texts | st.none()}), max_size=5),
              st.integers(0, 3000).map(lambda n: [{"x": i, "y": -i} for i in range(n)])),
    st.dictionaries(st.sampled_from(["0", "1", "2", "3", "-1", "999", "x"]),
                    st.dictionaries(st.sampled_from(["x", "y", "z", "_index"]),
                                    numbers | texts | st.none() | st.lists(st.integers())),
                    max_size=3),
    st.lists(st.integers(-5, 10**6) | texts, max_size=3))
FIELDS = {
    "double_value": st.floats(), "int_value": st.integers(-2**63, 2**63 - 1),
    "string_value": texts | table_edits, "bool_value": st.booleans(),
    "double_array_value": st.lists(st.floats(), max_size=3),
    "int_array_value": st.lists(st.integers(-2**63, 2**63 - 1), max_size=3),
    "string_array_value": st.lists(texts, max_size=3), "json_value": texts | table_edits,
    "trigger_value": st.booleans(), "string_trigger_value": texts, "json_trigger_value": texts,
    "bytes_value": st.binary(max_size=100), "arrow_value": st.binary(max_size=100),
    "file_uploader_state_value": st.text(max_size=20),
}
# The page's widgets by key (the points editor's key changes: "editor" is whichever it is now),
# each with the field a browser sends for it: most examples send a hostile value in that field,
# the rest in any field at all. Buttons are pressed by the button test; here a press of Play
# would start long runs.
NATURAL = {"depth": "double_array_value", "width": "double_array_value",
           "seeds": "double_array_value", "scale": "string_array_value",
           "lr": "string_array_value", "act": "string_value", "init": "string_array_value",
           "opt": "string_array_value", "epochs": "double_value", "batch": "double_value",
           "seed": "double_value", "bias": "bool_value", "log_y": "bool_value",
           "large_text": "bool_value", "lecture_autoplay": "bool_value",
           "lecture_shown": "string_array_value", "editor": "string_value",
           "points_csv": "file_uploader_state_value", "experiment_json": "file_uploader_state_value",
           "live_chart_loss": "json_value", "slice": "json_value", "unknown": "int_value"}


@st.composite
def widget_states(draw) -> list[tuple[str, str, object]]:
    """Returns 1 to 4 hostile (widget name, field, value) triples (see NATURAL)."""
    chosen = []
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(sorted(NATURAL)))
        field = NATURAL[name] if draw(st.booleans()) else draw(st.sampled_from(sorted(FIELDS)))
        value = draw(st.lists(numbers, max_size=2).map(lambda v: [float(x) for x in v])
                     if field == "double_array_value" and draw(st.booleans()) else FIELDS[field])
        chosen.append((name, field, value))
    return chosen


def resolved(page: PageClient, chosen: list[tuple[str, str, object]]) -> list[WidgetState]:
    """Returns the states for the widgets the page has now ("unknown" is an id it has not)."""
    widgets = page.widgets()
    ids = {"editor": editor_id(page), "unknown": "$$ID-0-depth-x"}
    return [state(ids.get(name) or widgets[name].id, **{field: value})
            for name, field, value in chosen if ids.get(name) or name in widgets]


@FUZZ
@given(data=st.data())
def test_any_widget_states_leave_a_working_page(hostile, other_student, server_memory, data):
    """Whatever states a client sends for the page's widgets, the page works after each."""
    hostile.run(None, resolved(hostile, data.draw(widget_states())))
    assert_working(hostile)


BUTTONS = ["play", "step", "reset", "clear_compared", "preset_question", "preset_relu",
           "preset_two_points", "preset_saddle", "lecture_autoplay", "log_y", "large_text"]


@settings(max_examples=BUTTON_EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(presses=st.lists(st.sampled_from(BUTTONS), min_size=1, max_size=12),
       stop=st.sampled_from(["reset", "step"]))
def test_buttons_pressed_in_any_order_as_fast_as_possible_leave_a_working_page(
        hostile, other_student, server_memory, presses, stop):
    """Presses sent back to back without waiting, then Reset or Step, end on a working page."""
    for name in [*presses, stop]:
        widgets = hostile.widgets()  # the ids drawn so far ("clear_compared" comes and goes)
        if name in widgets:
            toggle = widgets[name].type == "checkbox"
            hostile.rerun(None, [state(widgets[name].id, **(
                {"bool_value": not widgets[name].proto.value} if toggle else
                {"trigger_value": True}))])
    hostile.settle()
    assert_working(hostile)


def test_memory_stays_bounded_and_the_other_student_keeps_their_run(
        hostile, other_student, server_memory):
    """After everything above (and it runs last), the server has not grown past the bound since
    both pages opened, and the other student's page still shows their own floor and epoch."""
    at_start, now = server_memory
    for added in (3000, 10_000, 3000):
        hostile.run(None, [state(editor_id(hostile), string_value=edits(added))])
        assert_working(hostile)
    assert now() - at_start < MEMORY_GROWTH, f"grew {(now() - at_start) / 2**20:.0f} MB"
    other_student.settle()
    assert_working(other_student)
    assert floor_and_status(other_student) == ("0.000e+00", "## Paused · epoch 1/40")
