"""Play / Pause / Step / Reset, and the live loop that trains between redraws.

While playing, the script trains blocks of epochs at the run's pace (models/run/pace.py: the
speed's epochs a second, or chunks of about 0.025 s as fast as it goes at max) and redraws the
readouts and charts every REDRAW_EVERY seconds (about 12.5 times a second at any pace), or
CLASS_REDRAW_EVERY (10) while other sessions of the server process play a paced run too: not
more, because every redraw is work for the server and the browser, and a browser that cannot
keep up shows the run later and later. Ahead of the pace, the loop naps at most MAX_SLEEP at a time.
Every `st.*` call in a redraw (and every session-state read after a nap) is a point where a
pending rerun (a slider moved, Pause pressed) stops this script, so the page stays usable; the
run itself lives in session state and the next script run carries on from where this one
stopped. The run is read from the process's run store (shared_training.py): a class on one
link trains it once, and a redraw of a run another session drew at the same epoch costs
little more than sending it, so sessions need no turns at the interpreter.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from components import state as S
from components.live import shared_training
from components.live.compare import remember
from components.live.load import DrawingLoad, process_load, shared_grid
from components.streamlit_internals import (
    SKELETON_SELECTOR,
    browser_connected,
    fragment_rerun,
    rerun_waiting,
    unflushed_messages,
    unsent_messages,
)
from models.engine.trainer import chunk_epochs
from models.experiment import Experiment
from models.run.pace import MAX, Pacer, block_end, block_epochs, epochs_per_second
from models.run.run import Compute, Run
from models.run.track import train

REDRAW_EVERY = 0.08  # seconds between redraws while playing: a default-paced run alone shows
# 12.8 a second, with the time a redraw itself takes (a class of 15 saw 11.2 at 0.09, 10.1 at 0.1)
# ... while more than one session of the process plays a paced run (a class on one link): each
# redraw is five messages and about a millisecond of the server per session, and at the default
# pace the redraws are most of what a student costs. 15 default-paced students in one process
# cost 143 ms of CPU each at 10 a second against 173 ms at 12.5 (medians of six, alternated).
# A run at speed=max is not counted: it is over in a second or two, its training costs more
# than its redraws, and its frames show how fast it trains.
CLASS_REDRAW_EVERY = 0.1
# A browser that shows redraws slower than they come (a slow computer, a busy tab) leaves them
# queued on the server: past this many messages, the loop trains on without redrawing until the
# browser catches up, so the page shows the run late by a fraction of a second, not by more and
# more (and Streamlit does not drop the session when its queue of 500 fills up).
MAX_UNSENT = 2
SMOOTHING = 0.2  # the weight of the newest redraw's cost in the smoothed cost
MAX_SLEEP = 0.05  # seconds the loop naps at most while ahead of the pace: Pause waits no longer
# seconds the loop naps when a block it is due for did not move its run (no frame there yet):
# asking again at once would only take the interpreter from the session recording it
STALLED_NAP = 0.005


def redraw_interval(stretch: float, took: float, every: float = REDRAW_EVERY) -> float:
    """Returns the seconds from one redraw's start to the next: `every` (REDRAW_EVERY, or
    CLASS_REDRAW_EVERY in a class) times the process's `stretch`, or twice the redraw's own cost
    `took` (CPU-seconds) when that is longer, so a run whose redraw is dear (a large network)
    still spends most of its time training."""
    return max(every * stretch, 2.0 * took)


# Streamlit draws most elements with code it loads on first use, showing a grey placeholder
# until then; a browser kept fully busy by redraws can leave the placeholders up (Play, Pause,
# the sliders, the charts) until the run ends. So a link's play=1 starts the run only once the
# page has no placeholder left (or after 15 s): a reported "ready" reruns the script, playing.
_PAGE_READY = st.components.v2.component("plateau_page_ready", js="""
export default function ({ data, setTriggerValue }) {
  const start = performance.now();
  const check = () => {
    const loading = document.querySelector(data);  // Streamlit's loading placeholder
    if (!loading || performance.now() - start > 15000) setTriggerValue("ready", true);
    else setTimeout(check, 100);
  };
  check();
}
""")


# A double click on Play is two clicks, and the second, arriving once the first's rerun has
# drawn Pause in Play's place (one widget, key "play", whose callback takes the arguments it
# was drawn with last), paused the run again. The browser numbers a click that follows another
# within its double-click interval (event.detail 2, 3, ...): those never reach Play. A key
# (Space, Enter) clicks with detail 0, and a deliberate Pause comes after the interval.
_PLAY_CLICK_GUARD = st.components.v2.component("plateau_play_click_guard", js="""
export default function () {
  if (window.__plateauPlayClickGuard) return;
  window.__plateauPlayClickGuard = true;
  document.addEventListener("click", (event) => {
    if (event.detail > 1 && event.target.closest && event.target.closest(".st-key-play button")) {
      event.stopImmediatePropagation();
      event.preventDefault();
    }
  }, true);
}
""")


def _page_ready() -> None:
    if st.session_state.pop(S.WAITING_FOR_PAGE, False):
        st.session_state[S.PLAYING] = True


def _set_playing(playing: bool) -> None:
    # The button says what it will do when drawn (Play or Pause), so a double click sets the
    # same state twice instead of toggling back.
    run: Run | None = st.session_state.get(S.RUN)
    if playing and run is not None and run.finished:
        st.session_state[S.RUN] = None  # Play after the end starts over
    st.session_state[S.PLAYING] = playing
    st.session_state[S.WAITING_FOR_PAGE] = False


def _step() -> None:
    st.session_state[S.PLAYING] = False
    st.session_state[S.WAITING_FOR_PAGE] = False
    st.session_state[S.STEP] = True


def _reset() -> None:
    st.session_state[S.PLAYING] = False
    st.session_state[S.WAITING_FOR_PAGE] = False
    st.session_state[S.RUN] = None


def render_buttons(ready: bool) -> Callable[[], None]:
    """Draws the player's buttons; `ready` is False while the points table has an error.
    Returns what draws the Play/Pause button again in its place, saying what it does now (once
    its key is forgotten for this run: streamlit_internals.forget_widgets)."""
    with st.container(horizontal=True):
        place = st.empty()

        def play_button() -> None:
            playing = st.session_state.get(S.PLAYING, False)
            place.button("Pause" if playing else "Play", key="play", on_click=_set_playing,
                         args=(not playing,), type="primary",
                         icon=":material/pause:" if playing else ":material/play_arrow:",
                         disabled=not ready, shortcut="Space", help="Play or pause (Space)")

        play_button()
        st.button("Step", key="step", on_click=_step, icon=":material/skip_next:",
                  disabled=not ready, shortcut="S", help="Train one epoch (S)")
        st.button("Reset", key="reset", on_click=_reset, icon=":material/replay:",
                  shortcut="Backspace", help="Start again from the initial weights (Backspace)")
        _PLAY_CLICK_GUARD(key="play_click_guard", height=0)
    return play_button


def current_run(experiment: Experiment, ready: bool = True) -> Run:
    """Returns this session's run, updated to the experiment or started afresh if it must be,
    one epoch further when Step was pressed (and the points are `ready`)."""
    run: Run | None = st.session_state.get(S.RUN)
    if run is None or not run.update(experiment):
        run = Run(experiment, shared_training.STORE)
        st.session_state[S.RUN] = run
    # Stepped before the page is laid out, so everything on it (the Replay epoch slider too)
    # is laid out for the epoch it shows.
    if ready and st.session_state.pop(S.STEP, False):
        run.advance(1)
    return run


def status_text(run: Run, ready: bool) -> str:
    """Returns the status line: Ready, Playing, Paused, Finished or Diverged, with the epoch."""
    total = run.experiment.training.epochs
    if run.history.diverged_at is not None:
        return f"Diverged at epoch {run.history.diverged_at}"
    if run.finished:
        return f"Finished · epoch {run.epoch}/{total}"
    if not ready:
        return f"Waiting for valid points · epoch {run.epoch}/{total}"
    if st.session_state.get(S.WAITING_FOR_PAGE):
        return f"Starting · epoch {run.epoch}/{total}"
    if st.session_state.get(S.PLAYING):
        return f"Playing · epoch {run.epoch}/{total}"
    return f"Paused · epoch {run.epoch}/{total}" if run.epoch else f"Ready · 0/{total} epochs"


@dataclass(frozen=True)
class Clock:
    """The live loop's time: `now` in seconds and `sleep`. Tests pass one that moves only when
    told, so what they check never depends on how fast the machine is."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    # The CPU-seconds this thread has used: what a redraw costs the process. Its wall time would
    # also count the time it waited for the interpreter while another session worked.
    cpu: Callable[[], float] = time.thread_time


def _browser_behind() -> bool:
    # The browser reads slower than the server sends, or the server's event loop has not yet
    # flushed the last redraw (a crowded process: each session's redraws then wait for it, and
    # none is drawn only to be replaced unsent).
    return unsent_messages() > MAX_UNSENT or unflushed_messages() > 0


def _checkpoint() -> None:
    # Every session-state read is a Streamlit checkpoint, as an st.* call is: a pending rerun
    # (Pause, a widget change) stops the script here after a nap, even with nothing to redraw.
    st.session_state.get(S.PLAYING)


def play_loop(run: Run, draw: Callable[[Run], None], rate: float, clock: Clock = Clock(),
              compute: Compute = train, behind: Callable[[], bool] = _browser_behind,
              checkpoint: Callable[[], None] = _checkpoint,
              waiting: Callable[[], bool] = rerun_waiting,
              load: DrawingLoad | None = None) -> bool:
    """Trains the run `rate` epochs a second (inf: as fast as it goes) and redraws it about
    every REDRAW_EVERY seconds (CLASS_REDRAW_EVERY while another session of the process plays a
    paced run too) until it finishes (True), or until a rerun is `waiting` for this run to end
    (False: Pause or Step was pressed); changes the run. Never draws while the browser is
    `behind`, except the last epoch, which is always drawn. `load` counts the sessions playing
    paced runs and spaces the redraws out when the process is busy (the process's own meter by
    default)."""
    load = process_load if load is None else load
    block = block_epochs(chunk_epochs(run.experiment.run_identity()), rate, REDRAW_EVERY)
    pacer = Pacer(rate, run.epoch, clock.now())
    drawn, next_draw = run.epoch, clock.now() + REDRAW_EVERY
    took: float | None = None  # CPU-seconds a redraw costs, smoothed
    paced = not math.isinf(rate)
    with load.paced() if paced else contextlib.nullcontext():
        while not run.finished:
            if waiting():
                return False
            now = clock.now()
            due = pacer.wait(run.epoch + 1, now) == 0.0  # the next epoch is due
            stalled = False
            if due or (run.epoch > drawn and now >= next_draw):
                if due:  # the next block, up to a multiple of its size (see pace.py)
                    before = run.epoch
                    # Redraws spaced out: blocks as many times larger (a power of two, the same
                    # in every session of the process), so the sessions on one run still show
                    # the same epochs and share what a redraw shows (a class whose sessions each
                    # drew their own epochs a second or more apart computed nearly every frame
                    # alone).
                    step = block * shared_grid(load.stretch())
                    # (to a frame the run has: a session whose blocks end elsewhere, its load
                    # meter read at another moment, trained a private copy to its own end for
                    # each one)
                    run.advance(block_end(run.epoch, step) - run.epoch, compute, exact=False)
                    stalled = run.epoch == before and not run.finished
                    pacer.keep_up(run.epoch, clock.now(), rate * REDRAW_EVERY + step)
                    # A rerun (another page's, a full one) may wait here too: a run slower than
                    # its pace is always due, and while its redraws wait for the server it makes
                    # no st.* call that would let Streamlit stop it (a hostile test's 100,000
                    # epochs of a large network trained on for minutes).
                    checkpoint()
                now = clock.now()
                if run.epoch > drawn and (run.finished or (now >= next_draw and not behind())):
                    spent = clock.cpu()
                    draw(run)
                    drawn = run.epoch
                    # a smoothed cost: one redraw that computed what others then reuse (the
                    # first at an epoch, the explanation's once a second) is not every redraw's
                    took = clock.cpu() - spent if took is None else \
                        (1 - SMOOTHING) * took + SMOOTHING * (clock.cpu() - spent)
                    load.count(clock.cpu() - spent)
                    every = CLASS_REDRAW_EVERY if paced and load.crowded() else REDRAW_EVERY
                    next_draw = now + redraw_interval(load.stretch(), took, every)
            if stalled:
                clock.sleep(STALLED_NAP)
            elif not due and not run.finished:
                # Ahead of the pace: nap until the next epoch is due or the next redraw.
                waits = [MAX_SLEEP, pacer.wait(run.epoch + 1, now)]
                if run.epoch > drawn and next_draw > now:
                    waits.append(next_draw - now)
                clock.sleep(min(waits))
                checkpoint()
        return True


def play(run: Run, ready: bool, draw: Callable[[Run], None], clock: Clock = Clock(),
         finish: Callable[[], bool] = lambda: False) -> None:
    """Draws the run, then trains and redraws it at its speed until it finishes, pauses or a
    rerun stops it; at the end `finish()` draws what a finished run shows besides (Play, not
    Pause), or returns False for a rerun of the live part to draw it. A session no browser
    shows (AppTest, the agent API) has nobody to pace for: it plays as fast as it trains."""
    remember(run)
    draw(run)
    if not ready:
        return
    if st.session_state.get(S.WAITING_FOR_PAGE):
        _PAGE_READY(key="page_ready", data=SKELETON_SELECTOR, on_ready_change=_page_ready, height=0)
    if not st.session_state.get(S.PLAYING):
        return
    training = run.experiment.training
    rate = epochs_per_second(training.speed, training.epochs) if browser_connected() else MAX
    if not play_loop(run, draw, rate, clock):
        return  # the rerun waiting (a button's) says what comes next
    st.session_state[S.PLAYING] = False
    # Play again, not Pause, and a finished run's replay: drawn in their places by this run (a
    # rerun of the live part, for them alone, re-sent its every element and chart: ~85
    # messages and 170-240 KB a student, all of a class at the same moment), or by a rerun.
    if not finish():
        st.rerun(scope="fragment" if fragment_rerun() else "app")
