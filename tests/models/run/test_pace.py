"""The pace of a live run: epochs a second for each speed, blocks, and the pacer's clock."""

import math

import pytest

from models.run.pace import (
    AUTO,
    MAX,
    RUN_SECONDS,
    SLOWEST_AUTO,
    Pacer,
    block_end,
    block_epochs,
    epochs_per_second,
)


def test_auto_plays_any_run_in_about_five_seconds_but_never_below_ten_epochs_a_second():
    """auto: 10,000 epochs at 2,000 a second and 100,000 at 20,000 (5 s each); 20 epochs at
    10 a second (2 s), not 4 a second."""
    assert RUN_SECONDS == 5.0 and SLOWEST_AUTO == 10.0
    assert epochs_per_second(AUTO, 10_000) == 2_000
    assert epochs_per_second(AUTO, 100_000) == 20_000
    assert epochs_per_second(AUTO, 20) == 10


def test_a_number_is_its_own_pace_and_max_has_none():
    """A speed in epochs a second is used as it is, whatever the run's length; max is inf."""
    assert epochs_per_second(1000.0, 10) == epochs_per_second(1000.0, 100_000) == 1000
    assert epochs_per_second(MAX, 10_000) == math.inf


@pytest.mark.parametrize("rate, expected", [(math.inf, 256), (1e6, 256), (2_000, 128),
                                            (1_000, 64), (100, 8), (10, 1), (1, 1)])
def test_blocks_are_what_the_pace_shows_in_one_redraw_at_most(rate, expected):
    """A block is the largest power of two the pace shows in one redraw interval (0.08 s),
    one epoch at least, the full-speed chunk at most."""
    block = block_epochs(256, rate, 0.08)
    assert block == expected
    assert block == 1 or block <= rate * 0.08


def test_a_block_ends_on_a_multiple_of_its_size_wherever_the_run_stopped():
    """From epoch 0, 5 (a Step) or 64 the next 64-epoch block ends at the next multiple of 64."""
    assert [block_end(e, 64) for e in (0, 5, 63, 64)] == [64, 64, 64, 128]


def test_the_pacer_says_which_epoch_is_due_and_how_long_until_the_next():
    """At 1,000 epochs a second from epoch 200 at t = 10 s: epoch 700 is due at 10.5 s."""
    pacer = Pacer(1_000, 200, 10.0)
    assert pacer.due(10.0) == 200 and pacer.due(10.5) == pytest.approx(700)
    assert pacer.wait(700, 10.0) == pytest.approx(0.5) and pacer.wait(700, 11.0) == 0.0
    assert Pacer(MAX, 0, 0.0).due(0.0) == math.inf and Pacer(MAX, 0, 0.0).wait(10**6, 0.0) == 0


def test_a_run_that_falls_behind_the_pace_goes_on_from_where_it_is():
    """A run 500 epochs behind (the machine trains slower than asked) is not raced to catch up:
    the pace restarts from it; one within the slack keeps the pace."""
    pacer = Pacer(1_000, 0, 0.0)
    pacer.keep_up(900, 1.0, slack=200)
    assert pacer.due(1.0) == pytest.approx(1000)
    pacer.keep_up(500, 1.0, slack=200)
    assert pacer.due(1.0) == 500 and pacer.due(1.1) == pytest.approx(600)
