"""Widget values parsed at the edge: the link's bounds and warnings, for values of any type."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import experiment as ex
from models.edges.query import PARAMS
from models.edges.widgets import DEFAULTS, SETTING_KEYS, clean_widget_values, read_widget_values


def test_every_link_setting_is_a_widget_setting_with_the_experiments_default():
    """The table is query.PARAMS: every parameter but the points, defaults from Experiment()."""
    assert set(SETTING_KEYS) == {p.key for p in PARAMS} - {"x", "y"}
    assert DEFAULTS["epochs"] == ex.DEFAULT.training.epochs and DEFAULTS["act"] == "linear"


@pytest.mark.parametrize(("key", "value", "used", "warning"), [
    ("epochs", 1e12, 100_000, "Epochs `1000000000000`: the value must be between 1 and 100000; "
                              "used 100000."),
    ("epochs", -5, 1, "Epochs `-5`: the value must be between 1 and 100000; used 1."),
    ("lr", 1e9, 10.0, "lr `1000000000`: the value must be between 1e-06 and 10; used 10."),
    ("lr", "1e-05", 1e-05, None),  # a select slider sends its option's text
    ("scale", 1e300, 10.0, "the value must be between 0.0001 and 10; used 10."),
    ("seed", -1e20, 0, "the value must be between 0 and 2147483647; used 0."),
    ("width", 1e5, 256, "used 256"),
    ("depth", 2.5, 1, "it is not a whole number; used 1."),
])
def test_a_number_out_of_range_becomes_its_nearest_bound_with_a_warning(key, value, used, warning):
    """Out of range -> the nearest bound, said as a link's warning says it."""
    clean, warnings = clean_widget_values({key: value}, labels={"epochs": "Epochs"})
    assert clean[key] == used and type(clean[key]) is type(DEFAULTS[key])
    assert warnings == ([] if warning is None else [w for w in warnings if warning in w])
    assert len(warnings) == (warning is not None)


@pytest.mark.parametrize(("key", "value", "why"), [
    ("lr", math.nan, "it is not a finite number"), ("epochs", math.inf, "it is not a finite number"),
    ("epochs", True, "it is not a number"), ("depth", [1, 2], "it is not a number"),
    ("depth", "deep", "it is not a number"), ("act", 999, "it is not a name"),
    ("act", "bogus", "it is not one of linear, relu"), ("opt", ["adam"], "it is not a name"),
    ("bias", "yes", "it is not 0 or 1"), ("bias", 1, "it is not on or off"),
    ("init", None, "it is not a name"),
])
def test_an_unusable_value_becomes_the_fallback_with_a_warning(key, value, why):
    """NaN, infinity, a wrong type or an unknown name -> the fallback (the last value used)."""
    fallback = {"lr": 0.01, "epochs": 500, "depth": 3, "act": "relu", "opt": "sgd", "bias": False,
                "init": "torch"}
    clean, warnings = clean_widget_values({key: value}, fallback=fallback)
    assert clean[key] == fallback[key]
    assert len(warnings) == 1 and why in warnings[0] and warnings[0].startswith(f"{key} `")


def test_keys_that_are_not_settings_are_left_out():
    """The points table, buttons and unknown keys are not this parser's to judge."""
    assert clean_widget_values({"play": True, "points_1": {}, "x": 3}) == ({}, [])


def test_seeds_are_lowered_like_a_links_when_the_network_is_too_large_for_them():
    """Parameters x seeds beyond the server's limit lower the seeds, as from_query does."""
    clean, warnings = clean_widget_values({"depth": 8, "width": 256, "seeds": 64})
    per_network = ex.Network(depth=8, width=256).parameter_count()
    assert clean["seeds"] == ex.MAX_PARAMETERS_TIMES_SEEDS // per_network
    assert warnings and "seeds of a" in warnings[0]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(SETTING_KEYS), st.one_of(
    st.floats(), st.integers(), st.text(max_size=30), st.booleans(), st.none(),
    st.lists(st.floats(), max_size=2))))
def test_whatever_widgets_send_the_values_used_are_within_the_experiments_bounds(raw):
    """Any raw values -> values an Experiment accepts, one warning at most per replaced value."""
    clean, warnings = clean_widget_values(raw)
    experiment = ex.DEFAULT.replaced({p.path: clean[p.key] for p in PARAMS if p.key in clean})
    network, training = experiment.network, experiment.training
    assert ex.DEPTH_RANGE[0] <= network.depth <= ex.DEPTH_RANGE[1]
    assert ex.WIDTH_RANGE[0] <= network.width <= ex.WIDTH_RANGE[1]
    assert ex.LR_RANGE[0] <= training.lr <= ex.LR_RANGE[1] and math.isfinite(training.lr)
    assert ex.EPOCHS_RANGE[0] <= training.epochs <= ex.EPOCHS_RANGE[1]
    assert ex.SEEDS_RANGE[0] <= experiment.seeds <= ex.SEEDS_RANGE[1]
    assert type(network.bias) is bool and type(training.epochs) is int
    assert len(warnings) <= len(raw) + 1


def test_a_sent_value_that_reads_cleanly_is_left_to_streamlits_reading():
    """A preset's callback set width 3 after the browser sent 7: the reading (3) wins, no warning."""
    clean, warnings = read_widget_values({"width": 3}, {"width": 7}, last={"width": 5})
    assert clean == {"width": 3} and warnings == []


def test_a_sent_value_out_of_range_replaces_the_reading_with_its_nearest_bound():
    """Epochs 10**9 sent, which a number input would have reset to its minimum: the bound is used."""
    clean, warnings = read_widget_values({"epochs": 1}, {"epochs": 10**9}, last={"epochs": 500},
                                         labels={"epochs": "Epochs"})
    assert clean == {"epochs": 100_000}
    assert warnings == ["Epochs `1000000000`: the value must be between 1 and 100000; used 100000."]


@pytest.mark.parametrize(("last", "used"), [({"lr": 0.5}, 0.5), ({}, 0.01)])
def test_an_unusable_sent_value_falls_back_to_the_last_runs_value_else_the_reading(last, used):
    """NaN sent for the learning rate: the last run's value, or Streamlit's reading without one."""
    clean, warnings = read_widget_values({"lr": 0.01}, {"lr": float("nan")}, last=last)
    assert clean == {"lr": used}
    assert len(warnings) == 1 and "not a finite number" in warnings[0]


def test_seeds_are_bounded_once_for_the_sizes_in_use():
    """Width 256 sent at depth 8 with 64 seeds: one warning, seeds lowered to fit the server."""
    readings = {"depth": 8, "width": 256, "seeds": 64}
    clean, warnings = read_widget_values(readings, {"width": 256}, last={})
    per_network = ex.Network(depth=8, width=256).parameter_count()
    assert clean["seeds"] == ex.MAX_PARAMETERS_TIMES_SEEDS // per_network
    assert len(warnings) == 1 and "seeds" in warnings[0]
