"""What a redraw costs the server, per frame per session, in one process: issue 21's goal of at
most 0.5 ms of server CPU a frame a session.

usage: python -m benchmarks.frame [--sessions 30] [--frames 60] [--rounds 3] [--profile]

A class of `sessions` shows one run of the question preset, read from one run store (the
process's, components/live/shared_training.py). Each session is a Streamlit script run
(streamlit.testing's AppTest: the real script context, whose st calls build and queue their
messages as a served page's do) that lays the live view out and draws `frames` frames of the
playing run, at the same epochs as every other session (the epochs a default-paced run shows:
128 a frame), with the explanation's redraw at its share of them (once in 10 frames: once a
second at 10 frames a second). Measured: the script thread's CPU a frame (`time.thread_time`)
for the first session, which computes what every session then reads (the charts' JSON, the
diagnosis, the curvature), and the median over the others, which read it. Not included: the
server thread's serialising and sending of the messages (benchmarks/classroom.py measures the
whole server), and laying the page out (a script run, not a frame).

Printed: each figure's median over the rounds (a fresh store each), beside the goal.
"""

from __future__ import annotations

import argparse
import glob
import pstats
import statistics
import tempfile

from streamlit.testing.v1 import AppTest

GOAL_MS = 0.5
EPOCHS_A_FRAME = 128  # a default-paced run of 10,000 epochs: 2,000 a second, 16 frames a block
EXPLAIN_EVERY = 10  # frames between the explanation's redraws


def _session(frames: int, epochs_a_frame: int, explain_every: int, profile: str | None) -> None:
    """One session's script: lays out the live view of the question's run and draws `frames`
    frames of it while playing; leaves each frame's CPU-seconds in session state, and with
    `profile` (a path) the frames' profile there."""
    import cProfile
    import time

    import streamlit as st

    from components import state as S
    from components.live import shared_training
    from components.live.view import LiveView
    from models.analysis.floors import floors
    from models.question.presets import PRESETS
    from models.run.run import Run

    experiment = PRESETS["question"].experiment
    st.session_state[S.PLAYING] = True
    run = Run(experiment, shared_training.STORE)
    view = LiveView(run, floors(experiment.points, experiment.network), True)
    costs, profiler = [], cProfile.Profile() if profile else None
    for frame in range(frames):
        run.advance(epochs_a_frame)
        if frame % explain_every == 0:
            # the explanation's once-a-second redraw
            view.explained_at, view.frames_unexplained = float("-inf"), explain_every
        if profiler:
            profiler.enable()
        start = time.thread_time()
        view.draw(run)
        costs.append(time.thread_time() - start)
        if profiler:
            profiler.disable()
    st.session_state["costs"] = costs
    if profiler:
        profiler.dump_stats(profile)


def class_round(sessions: int, frames: int, profile: str | None = None) -> tuple[float, float]:
    """Returns the milliseconds a frame cost the first session and the others' median, for one
    class on a fresh run store; with `profile` (a directory), the reading sessions' profiles
    are left there."""
    from components.live import shared_training
    from models.run.store import RunStore

    kept, shared_training.STORE = shared_training.STORE, RunStore()
    try:
        per_session = []
        for session in range(sessions):
            path = f"{profile}/{session}.prof" if profile and session else None
            app = AppTest.from_function(_session, default_timeout=600,
                                        kwargs=dict(frames=frames, epochs_a_frame=EPOCHS_A_FRAME,
                                                    explain_every=EXPLAIN_EVERY, profile=path))
            app.run()
            if app.exception:
                raise RuntimeError(app.exception[0].message)
            per_session.append(1e3 * statistics.fmean(app.session_state["costs"]))
    finally:
        shared_training.STORE = kept
    return per_session[0], statistics.median(per_session[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true",
                        help="profile the reading sessions of one round (cProfile)")
    args = parser.parse_args()
    if args.profile:
        with tempfile.TemporaryDirectory() as directory:
            class_round(args.sessions, args.frames, directory)
            pstats.Stats(*sorted(glob.glob(f"{directory}/*.prof"))).sort_stats(
                "cumulative").print_stats(45)
        return
    firsts, others = [], []
    for _ in range(args.rounds):
        first, other = class_round(args.sessions, args.frames)
        firsts.append(first)
        others.append(other)
    print(f"{args.sessions} sessions on one run, {args.frames} frames each, "
          f"{args.rounds} rounds (medians):")
    print(f"  the first session (computes what all read): {statistics.median(firsts):6.2f} ms "
          "a frame")
    other = statistics.median(others)
    print(f"  every other session (reads it):            {other:6.2f} ms a frame   goal <= "
          f"{GOAL_MS} ms   {'met' if other <= GOAL_MS else 'MISSED'}")


if __name__ == "__main__":
    main()
