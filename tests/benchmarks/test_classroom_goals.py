"""benchmarks.classroom_goals judges each figure against issue 21's goal table as written."""

from __future__ import annotations

from benchmarks.classroom_goals import (
    HALL_DEFAULT,
    LONE_MAX,
    OWN_SEEDS_MAX,
    SAME_LINK_DEFAULT,
    SAME_LINK_MAX,
    Measured,
    judge,
)


def verdicts(goal, measured, lone=None, before=None) -> dict[str, bool | None]:
    """Returns {figure's name: met} for one group."""
    return {row.what: row.met for row in judge(goal, measured, lone, before)}


def class_of(seconds, fps=(9.0,), errors=0, cpu=0.0, health=(0.1,)) -> Measured:
    """Returns a group's measurements."""
    return Measured(list(seconds), list(fps), errors, cpu, list(health))


def test_same_link_at_max_allows_the_larger_of_3_s_and_twice_the_lone_student():
    """Slowest <= max(3 s, 2 x lone): 3.5 s passes beside a 1.8 s lone run (3.6 s), not a
    0.5 s one (3 s)."""
    assert verdicts(SAME_LINK_MAX, class_of([1.0, 3.5]), lone=1.8)["slowest"] is True
    assert verdicts(SAME_LINK_MAX, class_of([1.0, 3.7]), lone=1.8)["slowest"] is False
    assert verdicts(SAME_LINK_MAX, class_of([1.0, 3.5]), lone=0.5)["slowest"] is False
    assert verdicts(SAME_LINK_MAX, class_of([1.0, 2.9]), lone=0.5)["slowest"] is True


def test_the_default_pace_is_judged_against_the_lone_default_run():
    """30 within 1.3x and 100 within 1.6x of the lone default-paced run; without one, the
    slowest is not judged."""
    assert verdicts(SAME_LINK_DEFAULT, class_of([6.4]), lone=5.0)["slowest"] is True
    assert verdicts(SAME_LINK_DEFAULT, class_of([6.6]), lone=5.0)["slowest"] is False
    assert verdicts(HALL_DEFAULT, class_of([7.9]), lone=5.0)["slowest"] is True
    assert verdicts(HALL_DEFAULT, class_of([8.1]), lone=5.0)["slowest"] is False
    assert verdicts(HALL_DEFAULT, class_of([7.9]))["slowest"] is None


def test_frames_cpu_and_health_each_have_their_own_bound():
    """Median and fewest frames a second, CPU per student (at the bound passes) and health."""
    got = verdicts(SAME_LINK_MAX, class_of([1.0, 2.0], fps=[3.0, 9.0, 10.0], cpu=0.30,
                                           health=[0.2, 1.2]), lone=1.0)
    assert got["frames/s median"] is True and got["frames/s fewest"] is False
    assert got["server CPU per student"] is True  # 0.30 CPU-s / 2 students = 0.15
    assert got["slowest health"] is False
    assert verdicts(OWN_SEEDS_MAX, class_of([5.0], fps=[3.0, 4.0]))["frames/s median"] is False


def test_a_student_who_never_finished_or_erred_misses():
    """A student without a finish or with an error fails the group, whatever the others did."""
    got = verdicts(OWN_SEEDS_MAX, class_of([1.0, None]))
    assert got["finished, no error"] is False and got["slowest"] is False
    assert verdicts(OWN_SEEDS_MAX, class_of([1.0], errors=1))["finished, no error"] is False


def test_the_lone_student_at_max_is_judged_only_against_a_given_before():
    """'No slower than today' needs today's figure: without it the row says so."""
    assert verdicts(LONE_MAX, class_of([1.9]))["time"] is None
    assert verdicts(LONE_MAX, class_of([1.9]), before=2.0)["time"] is True
    assert verdicts(LONE_MAX, class_of([2.1]), before=2.0)["time"] is False
