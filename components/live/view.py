"""The live part of the page: status, readouts, the charts and the explanation, redrawn as the
run advances.

`LiveView(run, floors, ready)` lays the slots out once per script run; `draw(run)` fills them,
as often as the player likes. What it keeps between draws is explicit: what each slot shows
(an element is sent only when it changes: each is work for every browser showing the page)
and when the slow-changing explanation was last drawn.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np
import streamlit as st

from components import state as S
from components.explain import explanation
from components.explain.curvature_view import CurvatureView
from components.explain.question_log import log_decorations
from components.explain.search import searched
from components.explain.units_view import UnitsView
from components.figures.charts import fit_chart, loss_chart, prediction_grid
from components.figures.descriptions import fit_numbers, loss_numbers, sci
from components.live.compare import compared_curves
from components.live.player import status_text
from components.live.replay import render_replay, replay_mark
from components.live_chart import PLOTLY_CONFIG, FigureJson, LiveChart, UpdateBus, figure_json
from components.slot import Slot
from models.analysis.floors import Floors
from models.analysis.plateaus import on_floor
from models.analysis.theory import CONSTANT, reference_floors
from models.run.run import Run
from models.run.snapshots import predict

# Seconds between redraws of the explanation's charts and readouts while playing: they change
# slowly, and the landscape contour alone costs a slow browser 70-160 ms a draw, time the
# loss chart and the readouts need. A paused or finished run always gets them.
EXPLAIN_EVERY = 1.0
# ... and not before this many redraws since: a crowded server spaces redraws out (a second or
# more apart in a hall of 100), and an explanation with every one of them doubled what each
# cost, where the loss chart and the readouts are what a redraw is for.
EXPLAIN_FRAMES = 5
STATUS_HEADING = "## "  # the status line's markdown prefix


class Frame(NamedTuple):
    """What one redraw shows, of a run at an epoch: the loss and fit charts as JSON with their
    numbers in words, the plateaus found, and the diagnosis's label and sentence."""

    loss: FigureJson
    loss_words: str
    fit: FigureJson
    fit_words: str
    plateaus: list
    label: str | None
    narrative: str


def _loss_at(history, replayed) -> float | None:
    """Returns the median loss at the latest epoch, or at the replayed one."""
    if replayed is None:
        return float(history.loss[-1]) if history.count else None
    return float(history.loss[replayed.epoch - 1]) if replayed.epoch else None


def _as_json(figure, words: str, segments: dict | None = None) -> tuple[FigureJson, str]:
    return figure_json(figure, segments=segments), words


def _in(container, paint, *args) -> None:
    """Calls paint(*args) with its st.* calls drawn in `container`."""
    with container:
        paint(*args)


def readout(value: float | None) -> str:
    """Returns a readout's text: the value as the charts' words give it, or a dash."""
    return sci(value, missing="—")


class LiveView:
    """The status line, readouts, charts and explanation of one script run."""

    def __init__(self, run: Run, floors: Floors, ready: bool):
        self.floors, self.ready = floors, ready
        self.status = Slot()
        self.replay_place = st.empty()  # filled at once, or when the run finishes (show_replay)
        # None, or the snapshot a paused run is scrubbed to
        self.replayed = render_replay(run, self.replay_place)
        self.story = Slot()
        self.bus = UpdateBus()  # the charts' changes of each redraw travel in it together
        self.announced = Slot(self.bus)  # what the page's live region last said
        self.readouts = [Slot(column.empty()) for column in st.columns(4)]
        if not floors.exact:
            st.caption(f"The floor is only a lower bound: {floors.why}")
        left, right = st.columns(2)
        with left:
            self.log_y = st.toggle("Log scale", value=True, key=S.LOG_Y)
            self.loss_chart = LiveChart("loss", self.bus, alt="Loss against epoch with its floor")
        with right:
            st.caption("The fit: the points, the network's curve and the least-squares line")
            self.fit_chart = LiveChart("fit", self.bus, rank=1, alt="Points and the network's fit")
        self._lay_out_explanation(run)
        self.bus.place()
        self.scale = reference_floors(run.experiment.points)[CONSTANT]
        self.compared = compared_curves(run)
        self.explained_at = float("-inf")   # when the explanation was last drawn
        self.frames_unexplained = EXPLAIN_FRAMES  # redraws since (the first redraw explains)

    def _lay_out_explanation(self, run: Run) -> None:
        st.subheader("Why it stops")
        self.linear = run.experiment.network.is_linear
        self.line_readouts = explanation.LineReadouts(run, self.floors) if self.linear else None
        landscape_column, side_column = st.columns([3, 2])
        with landscape_column:
            if self.linear:
                st.caption("The landscape of every line y = w x + b: a linear network can only "
                           "move on it, and its lowest point is the floor.")
                self.landscape_chart = LiveChart("landscape", self.bus, rank=2,
                                                 alt="Loss over slope and intercept")
            else:
                sliced = explanation.render_slice(run)
                if sliced is not None:
                    st.plotly_chart(sliced, config=PLOTLY_CONFIG, key="slice_chart",
                                    alt=f"Loss slice around the current weights. "
                                        f"{sliced.layout.meta}")
        with side_column:
            st.caption("Gradient norm: near zero on a plateau, whether or not it is the floor.")
            self.grad_chart = LiveChart("grad_norm", self.bus, rank=3,
                                        alt="Gradient norm against epoch")
            self.saxe = Slot()
        self.units = None if self.linear else UnitsView(run, self.bus)
        self.curvature = CurvatureView(run, self.bus)

    def show_replay(self, run: Run) -> None:
        """Draws the Replay epoch slider of a run that finished while this view played it (at
        its latest epoch: what the view shows already)."""
        render_replay(run, self.replay_place)

    def draw(self, run: Run) -> None:
        """Shows the run as it is now (or at the replayed epoch) and sends what changed."""
        frame = self._frame(run)
        self._draw_readouts(run, frame)
        self.loss_chart.draw_json(frame.loss, frame.loss_words)
        self.fit_chart.draw_json(frame.fit, frame.fit_words)
        self._draw_story(run, frame)
        now = time.monotonic()
        playing = st.session_state.get(S.PLAYING) and not run.finished
        self.frames_unexplained += 1
        if not playing or (now - self.explained_at >= EXPLAIN_EVERY
                           and self.frames_unexplained >= EXPLAIN_FRAMES):
            self.explained_at, self.frames_unexplained = now, 0
            self._draw_explanation(run, frame.plateaus)
        self.bus.flush()

    def _frame(self, run: Run) -> Frame:
        """Returns what this redraw shows: computed once per track, epoch and scale for every
        session showing the run as it is (the charts' JSON, the plateaus, the diagnosis), or
        for this session alone when it adds its own (a replay, earlier runs, a search)."""
        if self.replayed is not None or self.compared or searched(run) is not None:
            return self._compute_frame(run)
        total = run.experiment.training.epochs
        return run.memo(f"frame/{self.log_y}/{total}", run.epoch, lambda: self._compute_frame(run))

    def _compute_frame(self, run: Run) -> Frame:
        history, floors, replayed = run.history, self.floors, self.replayed
        loss = _loss_at(history, replayed)
        floor_text, gap, _ = explanation.floor_readouts(floors, loss, readout)
        extra, plateaus, found = explanation.loss_decorations(run, floors, self.log_y)
        extra.extend(log_decorations(run.experiment))
        if replayed is not None:
            extra.extend(replay_mark(replayed.epoch))
        total = run.experiment.training.epochs
        figure = loss_chart(history, floors, self.log_y, total, self.compared, extra,
                            run.experiment.seeds)
        epoch = history.count if replayed is None else replayed.epoch
        loss_words = loss_numbers(epoch, total, loss, "floor" if floors.exact else
                                  "lower bound of the floor", floor_text, gap)
        xs, ys = np.asarray(run.experiment.points.xs), np.asarray(run.experiment.points.ys)
        grid = prediction_grid(xs)
        shown = run.frame if replayed is None else replayed
        curves = predict(run.experiment.network, shown.weights, grid)
        fit = fit_chart(xs, ys, grid, curves, floors, figure["layout"]["height"])
        label, narrative = explanation.narrative(found, floors)
        # the loss curve's settled segments never change: encoded once per run, scale and length
        segments = None if self.replayed is not None or self.compared else \
            run.memo(f"loss_segments/{self.log_y}/{total}", 0, dict)
        return Frame(figure_json(figure, segments=segments), loss_words, figure_json(fit),
                     fit_numbers(xs, ys, grid, np.asarray(curves)[0], floors.line),
                     plateaus, label, narrative)

    def _draw_readouts(self, run: Run, frame: Frame) -> None:
        history, floors, replayed = run.history, self.floors, self.replayed
        loss = _loss_at(history, replayed)
        if replayed is None:
            seed_losses, when = history.last_losses, "latest"
        else:
            seed_losses, when = replayed.losses, "replayed"
        text = status_text(run, self.ready)
        # A level-2 heading: the page's outline goes title (h1), status (h2), "Why it stops" (h3)
        self.status.show(text, lambda place: place.markdown(f"{STATUS_HEADING}{text}"))
        loss_slot, floor_slot, gap_slot, seeds_slot = self.readouts
        value = readout(loss)
        loss_slot.show(value, lambda place: place.metric(
            "Loss", value, help=f"The MSE at the {when} epoch (median over seeds)."))
        floor_text, gap, gap_note = explanation.floor_readouts(floors, loss, readout)
        floor_slot.show(floor_text, lambda place: place.metric(
            "Floor", floor_text, help=f"The {floors.label}'s MSE: the lowest loss this network "
                                      f"can reach on these points. {floors.why}"))
        gap_slot.show(gap, lambda place: place.metric(
            "Gap", gap, help="Loss minus floor.", delta=gap_note, delta_color="off",
            delta_arrow="off"))
        if seed_losses is not None and len(seed_losses) > 1:
            done = f"{int(on_floor(seed_losses, floors.floor, self.scale).sum())} of " \
                   f"{len(seed_losses)}"
            seeds_slot.show(done, lambda place: place.metric(
                "Seeds at the floor", done, help="Runs whose loss is within 1% of the floor."))

    def _draw_story(self, run: Run, frame: Frame) -> None:
        # With every redraw, as the readouts: its numbers (the gap, the loss) must be the ones
        # the readouts beside it show (a story drawn once a second quoted a gap 0.5 s old).
        narrative = frame.narrative
        if self.replayed is not None:  # the story is the run's, not the replayed epoch's
            narrative = f"At the run's latest epoch, {run.epoch:,}: {narrative}"
        self.story.show(narrative, lambda place: place.markdown(narrative))
        spoken = explanation.announcement(frame.label)  # in the page's polite live region
        self.announced.show(spoken, lambda bus: bus.announce(spoken))

    def _draw_explanation(self, run: Run, plateaus: list) -> None:
        if self.linear:
            self.line_readouts.draw(run, self.replayed)
            self.landscape_chart.draw_json(*explanation.once(
                run, self.replayed, "landscape", run.epoch,
                lambda: _as_json(*explanation.line_landscape(run, self.floors, self.replayed))))
        # its settled segments never change: encoded once per run and length, as the loss curve's
        total = run.experiment.training.epochs
        segments = run.memo(f"grad_norm_segments/{total}", 0, dict)
        self.grad_chart.draw_json(*explanation.once(
            run, self.replayed, "grad_norm", run.epoch,
            lambda: _as_json(*explanation.grad_norm_chart(run), segments=segments)))
        if self.units:
            self.units.draw(run, self.replayed)
        self.curvature.draw(run, self.replayed)
        saxe = explanation.saxe_readouts(run)
        self.saxe.show(saxe, lambda place: _in(place.container(), explanation.render_saxe_readouts,
                                               saxe))
