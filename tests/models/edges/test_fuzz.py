"""Fuzzing the edges: whatever a link, a table or an upload holds, the core gets a valid Experiment."""

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import experiment as ex
from models.edges.points import parse_csv, parse_rows
from models.edges.query import INITS, PARAMS, from_query
from models.engine.activations import ACTIVATIONS
from models.engine.optimizers import OPTIMIZERS
from models.experiment import Experiment, Points

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that reaches the parsers' corners: numbers in every spelling, names, and anything else.
tricky = st.sampled_from([
    "", " ", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e999", "-1e999", "1e308", "1e-400",
    "0", "-0", "1", "-1", "0.5", "1e6", "1000000.0000001", "-1e6", "2e6", "1_000", "0x10", "1,2",
    "1,2,3", "1, 2, 3", ",", "1,,2", "1e9", "64", "65", "8", "256", "10", "1e-7", "true", "false",
    "relu", "RELU", "adam", "keras", "question", "two_points", "__import__('os')", "\x00", "1\x00",
    "٣", "１", "½", "𝟏", "\u2028", "`", "x" * 3000, ",".join(["1"] * 60), "9" * 400,
])
text = st.one_of(tricky, st.text(), st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
                 st.lists(st.floats(), max_size=55).map(lambda v: ",".join(map(repr, v))))
keys = st.one_of(st.sampled_from([p.key for p in PARAMS] + ["preset", "play", "embed",
                                                             "embed_options", "lr "]),
                 st.text(max_size=10))
values = st.one_of(text, st.lists(text, max_size=4))


def assert_valid(experiment: Experiment) -> None:
    """Checks every bound models/experiment.py names."""
    points, network, training = experiment.points, experiment.network, experiment.training
    assert isinstance(points, Points)
    assert ex.MIN_POINTS <= len(points.xs) == len(points.ys) <= ex.MAX_POINTS
    for value in points.xs + points.ys:
        assert isinstance(value, float) and math.isfinite(value) and abs(value) <= ex.MAX_ABS_VALUE
    assert ex.DEPTH_RANGE[0] <= network.depth <= ex.DEPTH_RANGE[1] and type(network.depth) is int
    assert ex.WIDTH_RANGE[0] <= network.width <= ex.WIDTH_RANGE[1] and type(network.width) is int
    assert network.activation in ACTIVATIONS and network.init in INITS
    assert type(network.bias) is bool
    assert ex.INIT_SCALE_RANGE[0] <= network.init_scale <= ex.INIT_SCALE_RANGE[1]
    assert training.optimizer in OPTIMIZERS
    assert ex.LR_RANGE[0] <= training.lr <= ex.LR_RANGE[1]
    assert ex.EPOCHS_RANGE[0] <= training.epochs <= ex.EPOCHS_RANGE[1]
    assert ex.BATCH_RANGE[0] <= training.batch <= ex.BATCH_RANGE[1]
    assert ex.SEED_RANGE[0] <= experiment.seed <= ex.SEED_RANGE[1]
    assert ex.SEEDS_RANGE[0] <= experiment.seeds <= ex.SEEDS_RANGE[1]
    assert network.parameter_count() * experiment.seeds <= ex.MAX_PARAMETERS_TIMES_SEEDS
    hash(experiment)  # the cache key must stay hashable


@FUZZ
@given(st.dictionaries(keys, values, max_size=8))
def test_from_query_never_raises_and_returns_a_valid_experiment(params):
    """Any dictionary of text or text lists gives a valid experiment and a list of warnings."""
    experiment, warnings = from_query(params)
    assert_valid(experiment)
    assert isinstance(warnings, list) and all(isinstance(w, str) and w for w in warnings)


@FUZZ
@given(st.dictionaries(st.sampled_from([p.key for p in PARAMS]), text, min_size=1, max_size=4))
def test_every_unused_value_is_warned_about(params):
    """A parameter whose value was not taken as given is named in some warning."""
    experiment, warnings = from_query(params)
    assert_valid(experiment)
    if warnings:
        assert any("`" in w for w in warnings)
    for key in params:
        if not any(f"`{key}" in w for w in warnings) and key in ("depth", "width", "epochs"):
            # used silently, so the text was exactly a valid number for it
            field = {"depth": "depth", "width": "width", "epochs": "epochs"}[key]
            part = experiment.network if key != "epochs" else experiment.training
            assert float(params[key].replace("\x00", "")) == getattr(part, field)


cells = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**300, max_value=10**400),
    st.floats(), st.sampled_from([math.nan, math.inf, -math.inf, 1e6, -1e6, 1e6 + 1, 0.0, -0.0]),
    st.text(max_size=12), tricky,
)


def assert_points_or_problems(points, problems) -> None:
    """Checks the parsers' contract: valid points and no problems, or no points and problems."""
    if points is None:
        assert problems and all(isinstance(p, str) and p for p in problems)
    else:
        assert problems == []
        assert_valid(Experiment(points=points))


@FUZZ
@given(st.lists(st.tuples(cells, cells), max_size=55))
def test_parse_rows_never_raises(rows):
    """Any table of cells gives valid points or a non-empty list of problems."""
    assert_points_or_problems(*parse_rows(rows))


@FUZZ
@given(st.one_of(st.binary(max_size=400),
                 st.lists(st.lists(st.one_of(tricky, st.text(max_size=8)), max_size=3), max_size=8)
                 .map(lambda rows: "\n".join(",".join(r) for r in rows).encode("utf-8"))))
def test_parse_csv_never_raises(data):
    """Any bytes give valid points or a non-empty list of problems."""
    assert_points_or_problems(*parse_csv(data))
