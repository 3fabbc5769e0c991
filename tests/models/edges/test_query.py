"""The share link: every parameter, good and bad, and the round trip through to_query."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import experiment as ex
from models.edges.query import INITS, from_query, to_query, wants_autoplay
from models.engine.activations import ACTIVATIONS
from models.engine.optimizers import OPTIMIZERS
from models.experiment import DEFAULT, Experiment, Network, Points, Training
from models.numbers import number_text
from models.question.presets import PRESETS


def parsed(**params) -> tuple[Experiment, list[str]]:
    """Returns from_query of keyword parameters (trailing underscores dropped)."""
    return from_query({k.rstrip("_"): v for k, v in params.items()})


def only_warning(params: dict, name: str) -> str:
    """Returns the single warning from_query gives, checking that it names the parameter."""
    _, warnings = from_query(params)
    assert len(warnings) == 1, warnings
    assert f"`{name}" in warnings[0], warnings
    return warnings[0]


# --- points -----------------------------------------------------------------------------------

def test_good_points_are_used_without_warning():
    """x and y lists of equal length become the experiment's points."""
    experiment, warnings = parsed(x="0, 1.5,-2e3", y="1,2,3")
    assert warnings == []
    assert experiment.points == Points((0.0, 1.5, -2000.0), (1.0, 2.0, 3.0))


def test_fifty_points_are_allowed():
    """The largest allowed table, 50 points, goes through."""
    values = ",".join(str(i) for i in range(50))
    experiment, warnings = parsed(x=values, y=values)
    assert warnings == [] and len(experiment.points) == 50


def test_mismatched_lengths_keep_the_questions_points():
    """x and y of different lengths warn naming both and fall back to the question's points."""
    experiment, warnings = parsed(x="1,2,3", y="1,2")
    assert experiment.points == DEFAULT.points
    assert len(warnings) == 1 and "`x`" in warnings[0] and "`y`" in warnings[0]


def test_one_point_is_too_few():
    """A single point warns naming x and y and falls back to the question's points."""
    experiment, warnings = parsed(x="5", y="1")
    assert experiment.points == DEFAULT.points
    assert len(warnings) == 1 and "`x`" in warnings[0] and "too few" in warnings[0]


def test_fifty_one_points_are_too_many():
    """51 values in x warn naming x and are replaced by the default."""
    values = ",".join(str(i) for i in range(51))
    experiment, warnings = parsed(x=values, y=values)
    assert experiment.points == DEFAULT.points
    assert len(warnings) == 2 and all("at most 50" in w for w in warnings)
    assert warnings[0].startswith("`x=") and warnings[1].startswith("`y=")


@pytest.mark.parametrize("bad", ["1,nan,3", "1,inf,3", "1,-inf,3", "1,1e999,3", "1,2e6,3",
                                 "1,-1000000.5,3", "", "1,,3", "a,b,c", "1;2;3", "0x10,1,2"])
def test_bad_x_values_warn_and_use_the_default_points(bad):
    """A non-number, non-finite or too large value in x is named, and the default points (x and
    y together: a y without its x means nothing) are used."""
    warning = only_warning({"x": bad, "y": "1,2,3"}, "x=")
    experiment, _ = parsed(x=bad, y="1,2,3")
    assert experiment.points == DEFAULT.points
    assert "used the question's points for x and y" in warning


def test_values_at_the_size_limit_are_allowed():
    """x and y of exactly +-1e6 are within bounds."""
    experiment, warnings = parsed(x="-1e6,1e6", y="1e6,-1000000")
    assert warnings == [] and experiment.points == Points((-1e6, 1e6), (1e6, -1e6))


def test_bad_y_values_warn_naming_y():
    """A bad y value warns naming y and the value, and the default points are used."""
    warning = only_warning({"x": "4,5,6", "y": "1,nan,2"}, "y=")
    assert "`nan` is not a finite number" in warning
    assert parsed(x="4,5,6", y="1,nan,2")[0].points == DEFAULT.points


# --- network and training ---------------------------------------------------------------------

@pytest.mark.parametrize("key, text, field, value", [
    ("depth", "0", "depth", 0), ("depth", "8", "depth", 8), ("width", "256", "width", 256),
    ("width", "1", "width", 1), ("act", "ReLU", "activation", "relu"),
    ("act", " tanh ", "activation", "tanh"), ("init", "torch", "init", "torch"),
    ("bias", "0", "bias", False), ("bias", "true", "bias", True),
    ("scale", "0.01", "init_scale", 0.01), ("opt", "SGD", "optimizer", "sgd"),
    ("lr", "1e-3", "lr", 1e-3), ("lr", "10", "lr", 10.0), ("epochs", "1e3", "epochs", 1000),
    ("epochs", "100000", "epochs", 100_000), ("batch", "1", "batch", 1),
    ("seed", "2147483647", "seed", 2**31 - 1), ("seeds", "64", "seeds", 64),
    ("speed", "1000", "speed", 1000.0), ("speed", "1e4", "speed", 10_000.0),
    ("speed", " MAX", "speed", math.inf),
])
def test_good_values_are_used_without_warning(key, text, field, value):
    """Every parameter's valid spellings set its field and warn about nothing."""
    experiment, warnings = from_query({key: text})
    assert warnings == []
    for part in (experiment, experiment.network, experiment.training):
        if field in part.__dataclass_fields__:
            assert getattr(part, field) == value
            assert type(getattr(part, field)) is type(value)


@pytest.mark.parametrize("key, text, field, value", [
    ("depth", "99", "depth", 8), ("depth", "-1", "depth", 0), ("width", "0", "width", 1),
    ("width", "1000", "width", 256), ("lr", "100", "lr", 10.0), ("lr", "0", "lr", 1e-6),
    ("lr", "-3", "lr", 1e-6), ("epochs", "1e9", "epochs", 100_000), ("epochs", "0", "epochs", 1),
    ("seeds", "1000", "seeds", 64), ("seeds", "0", "seeds", 1), ("batch", "0", "batch", 1),
    ("batch", "1e7", "batch", 10_000), ("seed", "-5", "seed", 0),
    ("seed", "1e12", "seed", 2**31 - 1), ("scale", "100", "init_scale", 10.0),
    ("scale", "0", "init_scale", 1e-4), ("speed", "0", "speed", 1.0),
    ("speed", "1e9", "speed", 1e6),
])
def test_out_of_range_values_are_clamped_with_a_warning(key, text, field, value):
    """A number outside its bounds becomes the nearest bound, and the warning says which."""
    experiment, warnings = from_query({key: text})
    assert len(warnings) == 1 and warnings[0].startswith(f"`{key}=")
    assert f"used {number_text(value) if isinstance(value, float) else value}" in warnings[0]
    for part in (experiment, experiment.network, experiment.training):
        if field in part.__dataclass_fields__:
            assert getattr(part, field) == value
            assert type(getattr(part, field)) is type(value)


def test_many_seeds_of_a_big_network_are_lowered_to_the_size_limit():
    """seeds=1000 on the biggest network is clamped to 64, then lowered to fit the server limit."""
    experiment, warnings = parsed(depth="8", width="256", seeds="1000")
    per_network = experiment.network.parameter_count()
    assert per_network == 1 * 256 + 256 + 7 * (256 * 256 + 256) + 256 + 1  # by hand
    assert experiment.seeds == ex.MAX_PARAMETERS_TIMES_SEEDS // per_network
    assert experiment.seeds * per_network <= ex.MAX_PARAMETERS_TIMES_SEEDS
    assert len(warnings) == 2 and "`seeds=1000`" in warnings[0] and "seeds" in warnings[1]


@pytest.mark.parametrize("key, text", [
    ("depth", "two"), ("depth", "1.5"), ("depth", "nan"), ("depth", ""), ("width", "inf"),
    ("width", "1e999"), ("act", "swish"), ("act", ""), ("init", "he"), ("bias", "yes"),
    ("bias", "2"), ("scale", "big"), ("opt", "lbfgs"), ("lr", "fast"), ("lr", "nan"),
    ("lr", "-inf"), ("epochs", "10.5"), ("epochs", "many"), ("batch", "full"), ("seed", "0.5"),
    ("seeds", "three"), ("seeds", "nan"), ("speed", "fast"), ("speed", "inf"), ("speed", ""),
])
def test_malformed_values_warn_and_keep_the_default(key, text):
    """A malformed value is replaced by the default, with a warning naming the parameter."""
    experiment, warnings = from_query({key: text})
    assert experiment == DEFAULT
    assert len(warnings) == 1 and warnings[0].startswith(f"`{key}=")
    assert "used " in warnings[0]


def test_speed_auto_is_the_default_and_reads_back():
    """speed=auto is the default pace (AUTO), and auto and max are written back as words."""
    assert parsed(speed="auto") == (DEFAULT, [])
    assert DEFAULT.training.speed is ex.AUTO
    assert to_query(parsed(speed="max")[0])["speed"] == "max"
    assert to_query(parsed(speed="250")[0])["speed"] == "250"


def test_code_in_a_value_is_only_a_warning():
    """act=__import__('os') is not evaluated: it is an unknown name and a warning."""
    experiment, warnings = from_query({"act": "__import__('os')"})
    assert experiment == DEFAULT
    assert len(warnings) == 1 and warnings[0].startswith("`act=") and "used linear" in warnings[0]


# --- presets, unknown, repeated and foreign keys ----------------------------------------------

@pytest.mark.parametrize("name", list(PRESETS))
def test_each_preset_by_its_short_name(name):
    """preset=<name> starts from that preset's experiment, without warnings."""
    assert from_query({"preset": name}) == (PRESETS[name].experiment, [])


def test_explicit_parameters_override_the_preset():
    """Parameters given with a preset replace the preset's values and keep the rest."""
    experiment, warnings = from_query({"preset": "relu", "lr": "0.5", "width": "3"})
    assert warnings == []
    assert experiment == PRESETS["relu"].experiment.with_(lr=0.5, width=3)


def test_bad_value_with_a_preset_falls_back_to_the_presets_value():
    """A malformed parameter under a preset uses the preset's value, not the question's."""
    experiment, warnings = from_query({"preset": "relu", "act": "nope"})
    assert experiment.network.activation == "relu"
    assert "used relu" in warnings[0]


def test_unknown_preset_warns_and_starts_from_the_question():
    """An unknown preset name warns naming preset and uses the question."""
    experiment, warnings = from_query({"preset": "magic"})
    assert experiment == DEFAULT
    assert len(warnings) == 1 and "`preset=magic`" in warnings[0]


def test_unknown_keys_are_warned_and_ignored():
    """A key the page does not know is named in a warning and changes nothing."""
    experiment, warnings = from_query({"learning_rate": "0.1"})
    assert experiment == DEFAULT
    assert len(warnings) == 1 and "`learning_rate`" in warnings[0]


def test_repeated_keys_use_the_last_value_and_warn():
    """A key given several times (a list) uses the last value and warns naming the key."""
    experiment, warnings = from_query({"lr": ["0.1", "0.2", "0.3"]})
    assert experiment.training.lr == 0.3
    assert len(warnings) == 1 and "`lr`" in warnings[0] and "3 times" in warnings[0]


def test_a_one_item_list_is_not_a_repeat():
    """A list with one value is used without warning."""
    assert from_query({"depth": ["3"]}) == (DEFAULT.with_(depth=3), [])


def test_streamlits_own_parameters_are_ignored_silently():
    """embed, embed_options (even repeated) and the like neither warn nor change anything."""
    params = {"embed": "true", "embed_options": ["show_toolbar", "dark_theme"], "__theme": "x"}
    assert from_query(params) == (DEFAULT, [])


def test_play_is_not_a_setting():
    """play= neither warns nor changes the experiment; wants_autoplay reads it."""
    assert from_query({"play": "1"}) == (DEFAULT, [])
    assert wants_autoplay({"play": "1"}) and wants_autoplay({"play": "true"})
    assert wants_autoplay({"play": ["0", "1"]})
    assert not wants_autoplay({}) and not wants_autoplay({"play": "0"})
    assert not wants_autoplay({"play": "yes please"}) and not wants_autoplay({"play": []})


def test_warnings_show_hostile_text_safely():
    """Backticks and control characters in keys and values are replaced; long text is cut."""
    _, warnings = from_query({"a`b\n": "1", "act": "`" * 100})
    assert len(warnings) == 2
    for warning in warnings:
        inner = warning[1:warning.index("`", 1)]
        assert "\n" not in warning and len(inner) < 60


def test_nul_bytes_are_dropped_from_values():
    """A NUL byte inside a value is removed before parsing."""
    assert from_query({"depth": "2\x00"}) == (DEFAULT.with_(depth=2), [])


# --- round trip -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_round_trip(name):
    """from_query(to_query(preset)) gives back the preset and no warnings."""
    experiment = PRESETS[name].experiment
    assert from_query(to_query(experiment)) == (experiment, [])


def test_to_query_spells_out_every_field_as_text():
    """Every parameter is written, as text, with short numbers."""
    query = to_query(DEFAULT)
    assert set(query) == {"x", "y", "depth", "width", "act", "init", "bias", "scale", "opt", "lr",
                          "epochs", "speed", "batch", "seed", "seeds"}
    assert all(isinstance(v, str) for v in query.values())
    assert query["speed"] == "auto"
    assert query["x"] == "-1,0,1" and query["lr"] == "1e-05" and query["bias"] == "1"


finite = st.floats(min_value=-ex.MAX_ABS_VALUE, max_value=ex.MAX_ABS_VALUE, allow_nan=False)


@st.composite
def experiments(draw) -> Experiment:
    """Draws a valid experiment: any points, names and numbers within the bounds."""
    n = draw(st.integers(ex.MIN_POINTS, ex.MAX_POINTS))
    network = Network(
        depth=draw(st.integers(*ex.DEPTH_RANGE)), width=draw(st.integers(*ex.WIDTH_RANGE)),
        activation=draw(st.sampled_from(list(ACTIVATIONS))), init=draw(st.sampled_from(INITS)),
        bias=draw(st.booleans()), init_scale=draw(st.floats(*ex.INIT_SCALE_RANGE)))
    most_seeds = max(1, min(ex.SEEDS_RANGE[1],
                            ex.MAX_PARAMETERS_TIMES_SEEDS // network.parameter_count()))
    return Experiment(
        points=Points(tuple(draw(st.lists(finite, min_size=n, max_size=n))),
                      tuple(draw(st.lists(finite, min_size=n, max_size=n)))),
        network=network,
        training=Training(optimizer=draw(st.sampled_from(list(OPTIMIZERS))),
                          lr=draw(st.floats(*ex.LR_RANGE)),
                          epochs=draw(st.integers(*ex.EPOCHS_RANGE)),
                          batch=draw(st.integers(*ex.BATCH_RANGE)),
                          speed=draw(st.one_of(st.just(ex.AUTO), st.just(math.inf),
                                               st.floats(*ex.SPEED_RANGE)))),
        seed=draw(st.integers(*ex.SEED_RANGE)), seeds=draw(st.integers(1, most_seeds)))


@settings(max_examples=200, deadline=None)
@given(experiments())
def test_random_experiments_round_trip(experiment):
    """Any valid experiment survives to_query and from_query unchanged, without warnings."""
    assert from_query(to_query(experiment)) == (experiment, [])


@settings(deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_number_text_reads_back_as_the_same_float(value):
    """number_text gives text that float() turns back into exactly the same number."""
    text = number_text(value)
    assert float(text) == value and not text.endswith(".0")
