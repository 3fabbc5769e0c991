"""Issue 21's goals for benchmarks.classroom: each group's figures judged beside its goal.

The table of the issue ("Goals, on this 2-core machine, against the container's start
command"), one `Goal` per group; `judge` turns a group's measurements into printed rows of
figure, goal and met/MISSED. Every group must also finish without an error and keep
/_stcore/health within 1 s (the issue asks it of the lecture hall; issue 16 asked it of all).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

HEALTH_GOAL = 1.0  # seconds: the slowest health answer allowed


@dataclass(frozen=True)
class Goal:
    """What one group of issue 21 must reach; None where the issue asks nothing."""

    # the slowest student's seconds must be at most the larger of these two bounds:
    slowest_seconds: float | None = None  # seconds
    slowest_times_lone: float | None = None  # times the lone student's seconds at the same pace
    median_fps: float | None = None  # frames a second while playing
    fewest_fps: float | None = None
    cpu_per_student: float | None = None  # server CPU-seconds
    no_slower_than_before: bool = False  # the lone `speed=max` student: against `before`


LONE_MAX = Goal(no_slower_than_before=True)
LONE_DEFAULT = Goal(median_fps=10)  # "the default pace shows at least 10 frames a second"
SAME_LINK_MAX = Goal(slowest_seconds=3, slowest_times_lone=2, median_fps=8, fewest_fps=4,
                     cpu_per_student=0.15)
OWN_SEEDS_MAX = Goal(slowest_seconds=6, median_fps=5, fewest_fps=3)
SAME_LINK_DEFAULT = Goal(slowest_times_lone=1.3, median_fps=8, fewest_fps=5, cpu_per_student=0.15)
HALL_DEFAULT = Goal(slowest_times_lone=1.6, median_fps=8, fewest_fps=5, cpu_per_student=0.15)


@dataclass(frozen=True)
class Measured:
    """One group's outcome as numbers: every student's seconds (None: never finished) and
    frames a second, its errors, the server's CPU and the health answers during it."""

    seconds: list[float | None]
    fps: list[float]
    errors: int
    server_cpu: float
    health: list[float]


@dataclass(frozen=True)
class Row:
    """One printed row: a figure, its goal, and whether it was met (None: not judged)."""

    what: str
    figure: str
    goal: str
    met: bool | None

    def line(self) -> str:
        """Returns the row as one aligned line."""
        verdict = {True: "met", False: "MISSED", None: "not judged"}[self.met]
        return f"  {self.what:<22} {self.figure:<18} goal {self.goal:<68} {verdict}"


def slowest_bound(goal: Goal, lone: float | None) -> tuple[float | None, str]:
    """Returns the slowest student's allowed seconds (None when it needs the lone student's
    time and that is missing) and the goal in words."""
    bounds: dict[str, float | None] = {}
    if goal.slowest_seconds is not None:
        bounds[f"{goal.slowest_seconds:g} s"] = goal.slowest_seconds
    if goal.slowest_times_lone is not None:
        alone = f"{lone:.2f} s" if lone is not None else "time (not measured)"
        bounds[f"{goal.slowest_times_lone:g}x the lone student's {alone}"] = (
            goal.slowest_times_lone * lone if lone is not None else None)
    words = ("the larger of " if len(bounds) > 1 else "") + " and ".join(bounds)
    if None in bounds.values():
        return None, f"<= {words}"
    bound = max(bounds.values())
    return bound, f"<= {words}" + (f" = {bound:.2f} s" if goal.slowest_times_lone else "")


def judge(goal: Goal, measured: Measured, lone: float | None = None,
          before: float | None = None) -> list[Row]:
    """Returns the group's rows, figure beside goal: finished without error, slowest (against
    `lone`, the lone student's seconds at the same pace), frames a second, server CPU per
    student and health; the lone `speed=max` student against `before`, today's seconds."""
    n = len(measured.seconds)
    times = sorted(s for s in measured.seconds if s is not None)
    rows = [Row("finished, no error", f"{len(times)}/{n}, {measured.errors} errors",
                "all, none", len(times) == n and measured.errors == 0)]
    slowest = times[-1] if len(times) == n and times else None
    figure = f"{slowest:.2f} s" if slowest is not None else "not all"
    if goal.no_slower_than_before:
        rows.append(Row("time" if n == 1 else "slowest", figure, "no slower than today's "
                        + (f"{before:.2f} s" if before is not None else "(--before-lone-max S)"),
                        None if before is None or slowest is None else slowest <= before))
    elif goal.slowest_seconds is not None or goal.slowest_times_lone is not None:
        bound, words = slowest_bound(goal, lone)
        rows.append(Row("slowest", figure, words,
                        None if bound is None else slowest is not None and slowest <= bound))
    else:
        rows.append(Row("time" if n == 1 else "slowest", figure, "(none)", None))
    fps = sorted(measured.fps)
    median = statistics.median(fps) if fps else None
    for what, value, bound in (("frames/s median", median, goal.median_fps),
                               ("frames/s fewest", fps[0] if fps else None, goal.fewest_fps)):
        if bound is not None or (what == "frames/s median" and value is not None):
            rows.append(Row(what, "none" if value is None else f"{value:.1f}",
                            "(none)" if bound is None else f">= {bound:g}",
                            None if bound is None else value is not None and value >= bound))
    per_student = measured.server_cpu / n
    rows.append(Row("server CPU per student", f"{per_student:.2f} s",
                    "(none)" if goal.cpu_per_student is None else f"<= {goal.cpu_per_student:g} s",
                    None if goal.cpu_per_student is None else per_student <= goal.cpu_per_student))
    health = max(measured.health, default=None)
    # (a group shorter than the poller's 0.25 s may see no answer; failures are counted apart)
    rows.append(Row("slowest health", "none asked" if health is None else f"{health:.3f} s",
                    f"<= {HEALTH_GOAL:g} s", None if health is None else health <= HEALTH_GOAL))
    return rows
