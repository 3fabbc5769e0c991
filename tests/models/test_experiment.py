"""The Experiment dataclass: copies with changes, sizes counted by hand, the run identity."""

from dataclasses import dataclass, field

import pytest

from models import experiment as ex
from models.experiment import (
    DEFAULT,
    PATHS,
    QUESTION_XS,
    QUESTION_YS,
    Experiment,
    Network,
    Points,
    RunIdentity,
    Training,
    value_at,
)


def test_default_is_the_question():
    """The default experiment is the student's network on the student's points."""
    assert (DEFAULT.points.xs, DEFAULT.points.ys) == (QUESTION_XS, QUESTION_YS)
    assert (DEFAULT.network.depth, DEFAULT.network.width, DEFAULT.network.activation) == (1, 10,
                                                                                         "linear")
    assert (DEFAULT.training.optimizer, DEFAULT.training.lr) == ("adam", 1e-5)
    assert len(DEFAULT.points) == 3


def test_with_replaces_nested_and_top_level_fields():
    """with_ finds each field in its part by name and leaves the original unchanged."""
    changed = DEFAULT.with_(depth=3, lr=0.5, xs=(1.0, 2.0), ys=(3.0, 4.0), seed=9)
    assert changed.network == Network(depth=3)
    assert changed.training == Training(lr=0.5)
    assert changed.points == Points((1.0, 2.0), (3.0, 4.0))
    assert changed.seed == 9
    assert DEFAULT == Experiment()


def test_with_replaces_a_whole_part():
    """with_(points=...) (or network=, training=) replaces that part."""
    points = Points((1.0, 2.0), (3.0, 4.0))
    assert DEFAULT.with_(points=points).points == points
    assert DEFAULT.with_(network=Network(width=2), lr=0.1) == Experiment(
        network=Network(width=2), training=Training(lr=0.1))


def test_with_rejects_unknown_fields():
    """A name that is no field anywhere is an error, not silently ignored."""
    with pytest.raises(TypeError):
        DEFAULT.with_(learning_rate=0.1)


def test_every_setting_has_one_dotted_path():
    """The short names map to dotted paths that reach every field of every part, once each."""
    expected = {"seed": "seed", "seeds": "seeds", "points": "points", "network": "network",
                "training": "training"}
    for part in ("points", "network", "training"):
        for name in getattr(DEFAULT, part).__dataclass_fields__:
            expected[name] = f"{part}.{name}"
    assert PATHS == expected
    assert value_at(DEFAULT.with_(width=7), "network.width") == 7
    assert value_at(DEFAULT, "training") == Training()


def test_replaced_takes_dotted_paths_and_rejects_unknown_ones():
    """replaced sets settings by dotted path, like with_ by short name; an unknown path raises."""
    assert DEFAULT.replaced({"network.width": 3, "training.lr": 0.5, "seed": 2}) == DEFAULT.with_(
        width=3, lr=0.5, seed=2)
    for path in ("width", "network.lr", "network.width.x"):
        with pytest.raises(KeyError):
            DEFAULT.replaced({path: 1})
        with pytest.raises(KeyError):
            value_at(DEFAULT, path)


def test_an_ambiguous_short_name_is_an_error_when_the_table_is_made():
    """Two parts with a field of one name make the table fail, instead of with_ picking one."""
    @dataclass(frozen=True)
    class Twice:
        network: Network = field(default_factory=Network)
        training: Training = field(default_factory=lambda: Training())
        depth: int = 0

    with pytest.raises(ValueError, match="depth"):
        ex._short_names(Twice())


def test_experiments_are_hashable_values():
    """Equal experiments hash equal, so an experiment can be a cache key."""
    assert hash(DEFAULT.with_(lr=0.1)) == hash(Experiment(training=Training(lr=0.1)))
    assert len({DEFAULT, Experiment(), DEFAULT.with_(seed=1)}) == 2


@pytest.mark.parametrize("depth, width, count", [
    (0, 10, 2),                       # w, b
    (1, 10, 10 + 10 + 10 + 1),        # the question: 31
    (2, 3, 3 + 3 + 9 + 3 + 3 + 1),
    (8, 256, 512 + 7 * (256 * 256 + 256) + 257),
])
def test_parameter_count_by_hand(depth, width, count):
    """parameter_count is the number of weights and biases, counted by hand."""
    network = Network(depth=depth, width=width)
    assert network.parameter_count() == count
    assert len(network.layer_sizes()) == depth + 1


def test_is_linear():
    """A network is linear with depth 0 or the linear activation, and not otherwise."""
    assert Network(depth=0, activation="relu").is_linear
    assert Network(depth=3, activation="linear").is_linear
    assert not Network(depth=1, activation="square").is_linear


def test_run_identity_leaves_out_optimizer_lr_and_epochs():
    """Optimizer, lr and epochs are outside the run identity; everything else is inside."""
    identity = DEFAULT.run_identity()
    assert identity == RunIdentity(Points(), Network(), 0, 1, 32)
    assert hash(DEFAULT.with_(lr=0.5).run_identity()) == hash(identity)
    assert DEFAULT.with_(optimizer="sgd", lr=0.3, epochs=5).run_identity() == identity
    for changes in ({"seed": 1}, {"seeds": 2}, {"batch": 1}, {"width": 2}, {"xs": (0.0, 1.0, 3.0)}):
        assert DEFAULT.with_(**changes).run_identity() != identity
