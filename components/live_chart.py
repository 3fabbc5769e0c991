"""Live Plotly charts that update in place while the script keeps running: no remount, no blank
frame, and the user's zoom survives every redraw.

`st.plotly_chart` remounts its chart whenever the figure changes (streamlit #8782, #5107), and an
element key may be used only once per script run. Here each chart is an st.components.v2
component whose browser side is live_chart.js, beside this file:
- the *host* holds the plot. Its key is the chart's name, so its element ID is the same in every
  script run: a rerun updates it instead of mounting a new one. It is drawn once per script run.
- each later draw in the run queues an *update* with only the traces (by index) and the layout
  that differ from the host's; the page's UpdateBus sends a redraw's updates of every chart as
  one invisible element. A figure that did not change at all sends nothing.
- a large trace that differs from the host's (the landscape's contour once its window moved) is
  sent once, as a *kept* trace in an element of its own, and updates name it: it is not re-sent
  with every update that carries the chart's other traces.
In the browser the host and the latest update of its run are merged and drawn with
`Plotly.react` (`uirevision` keeps the zoom), the loss chart first, the charts together on at
most about two thirds of the browser's time. Plotly.js is Streamlit's own chunk, imported by URL
once per page; it and the other private details the browser reads are named in
streamlit_internals/, and without that chunk the charts fall back to st.plotly_chart.

Use: `bus = UpdateBus()`, `chart = LiveChart("loss", bus)` and `bus.place()` once per script
run where they go; then `chart.draw(figure)` as often as the run likes, `bus.flush()` after each
redraw. Its place is not an st.empty: a rerun re-sends an empty, which would unmount the plot.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
import orjson
import plotly.graph_objects as go
import streamlit as st
from plotly.graph_objects import Figure  # (go.Figure is looked up by an import each time: 3 us)

from components.page_style import VISUALLY_HIDDEN
from components.streamlit_internals import BROWSER_DETAILS, PLOTLY_CHUNK

# Hover, zoom and the modebar as st.plotly_chart has them; the camera button saves a PNG at three
# times the screen size, sharp enough for a slide.
PLOTLY_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 3}}
DEFAULT_HEIGHT = 450  # pixels, Plotly's own default, for a figure that does not say

# The plot is a figure (not an image: its modebar has buttons), named by the chart's
# `alt` and described by the numbers it shows now, in a paragraph only screen readers read.
_HOST = st.components.v2.component(
    "plateau_live_chart", html='<div class="plateau-live-chart" role="figure"></div>'
                               f'<p class="plateau-chart-numbers {VISUALLY_HIDDEN}"></p>',
    css=".plateau-live-chart { width: 100%; height: 100%; }",
    js=(Path(__file__).with_name("live_chart.js")).read_text(),
    isolate_styles=False)  # Plotly styles its modebar and hover from the page's <head>
# Every element carries its component's script, and each redraw sends one: keep it short.
_UPDATE = st.components.v2.component("plateau_live_chart_update", js="""
export default function ({ data }) {
  if (window.plateauLiveCharts) window.plateauLiveCharts(data);
  else (window.plateauLivePending = window.plateauLivePending || []).push(data);
}
""", isolate_styles=False)


# A settled part of a growing trace (see FigureJson.growing): each is its own element that stays
# on the page for the script run, so none can be lost the way a replaced update can be when the
# browser falls behind; its script hands the points over to live_chart.js.
_SEGMENT = st.components.v2.component("plateau_live_chart_segment", js="""
export default function ({ data }) {
  if (window.plateauLiveSegments) window.plateauLiveSegments(data);
  else (window.plateauLiveSegmentsPending = window.plateauLiveSegmentsPending || []).push(data);
}
""", isolate_styles=False)
SEGMENT_POINTS = 400  # the points of a growing trace sent in one settled segment
# A changed trace of at least this many bytes of JSON is sent as a kept trace (see LiveChart):
# the landscape's contour is 80 KB, and it was re-sent with every explanation redraw.
KEEP_BYTES = 8192
# ... at most this many a chart in a script run, since each stays on the page for the run: a
# large trace that changes with every draw is sent inline in the updates, as before.
KEEP_LIMIT = 8
# A trace's `meta` key saying how many of its first points stay as they are (a growing curve's,
# components/figures/charts.py): those are sent once, as segments.
GROWING = "settled"
_ARRAYS = ("x", "y", "customdata")  # a growing trace's per-point arrays


_TYPED = {"float32": "f4", "float64": "f8", "int8": "i1", "uint8": "u1", "int16": "i2",
          "uint16": "u2", "int32": "i4", "uint32": "u4"}  # the typed arrays plotly.js reads


# The integer types an integer array is sent as, smallest first: as plotly.py's own `to_dict`
# does (a 10,000-epoch axis as 16-bit integers: half the bytes of 32-bit ones, in every frame).
_INTEGERS = (np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32)


def _typed_array(array: np.ndarray) -> object:
    """Returns a numeric array as plotly.js's base64 typed array (as `Figure.to_dict` sends it:
    floats in their own dtype, so float32 sends half the bytes; integers in the smallest type
    that holds them, or as 64-bit floats past 32 bits), anything else as a list."""
    if array.dtype.kind in "iu":
        low, high = (int(array.min()), int(array.max())) if array.size else (0, 0)
        array = array.astype(next((t for t in _INTEGERS if np.iinfo(t).min <= low
                                   and high <= np.iinfo(t).max), np.float64))
    code = _TYPED.get(array.dtype.name)
    if code is None:
        return array.tolist()
    spec = {"dtype": code, "bdata": base64.b64encode(np.ascontiguousarray(array)).decode()}
    if array.ndim > 1:
        spec["shape"] = ", ".join(map(str, array.shape))
    return spec


def _default(value: object) -> object:
    if isinstance(value, np.ndarray):
        return _typed_array(value)
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _without_none(value: object) -> object:
    # A setting left None means "Plotly's default", as plotly.py drops it; items of lists stay
    # (x=[None] is a gap).
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_without_none(v) if isinstance(v, dict) else v for v in value]
    return value


def to_json(value: object) -> bytes:
    """Returns a figure (a go.Figure, or plain dicts as the live charts build them), or part of
    one, as the JSON plotly.js reads: numpy arrays as base64 typed arrays, settings left None
    dropped. Plain dicts skip plotly.py's validation, which cost several milliseconds a figure:
    the figure functions' tests build each one as a go.Figure too, which validates it."""
    value = value.to_dict() if isinstance(value, Figure) else _without_none(value)
    return orjson.dumps(value, default=_default)


def _json(**parts: object) -> bytes:
    """Returns a JSON object of parts; bytes are JSON already and are embedded as they are."""
    return orjson.dumps({name: orjson.Fragment(part) if isinstance(part, bytes) else part
                         for name, part in parts.items()}, option=orjson.OPT_SERIALIZE_NUMPY)


class UpdateBus:
    """The one element per redraw that carries every live chart's changes (an element costs a
    slow browser about a small chart's redraw); `place` it below the charts, flush per redraw."""

    def __init__(self) -> None:
        self._slot, self._pending, self._flushes = None, [], 0
        self._token = time.time_ns() // 1000  # orders this run's announcements after earlier runs'

    def announce(self, text: str) -> None:
        """Queues `text` for the page's polite live region, which a screen reader speaks when its
        text changes. The region lives outside Streamlit's elements (live_chart.js), so no
        rerun replaces it: a new region would not be announced, an unchanged text is not."""
        self._pending.append(_json(announce=text, token=self._token, seq=self._flushes + 1,
                                   hidden=VISUALLY_HIDDEN))

    def place(self) -> None:
        """Puts the bus's element here on the page (by default: where it first flushes)."""
        self._slot = st.empty()

    def add(self, update: bytes) -> None:
        """Queues one chart's update (a JSON object) for the next flush."""
        self._pending.append(update)

    def flush(self) -> None:
        """Sends the queued updates, if any, as one element replacing the last one sent."""
        if not self._pending:
            return
        self._flushes += 1
        # No key: the ID comes from the bytes, which differ by seq.
        data = _json(seq=self._flushes, updates=[orjson.Fragment(u) for u in self._pending])
        self._pending = []
        if self._slot is None:
            self.place()
        with self._slot:
            _UPDATE(height=0, data=data)


class Growing(NamedTuple):
    """A trace whose first points stay as they are from frame to frame (the loss curve's full
    buckets): its place and `uid`, its settled points as segments of SEGMENT_POINTS (JSON of
    their arrays), and the trace with only the points after them, and "grow" (how many segments
    come before)."""

    index: int
    uid: str | None
    segments: tuple[bytes, ...]
    tail: bytes


class FigureJson(NamedTuple):
    """A figure as the browser takes it: its layout and each trace as JSON, its height, and its
    growing traces (a trace whose `meta` says, under GROWING, how many of its first points are
    settled)."""

    layout: bytes
    traces: list[bytes]
    height: int | None
    growing: tuple[Growing, ...] = ()


def _growing(index: int, trace: dict, settled: int, cache: dict | None) -> Growing | None:
    if not all(isinstance(trace[key], np.ndarray | list | tuple) for key in _ARRAYS
               if key in trace):
        return None  # arrays already encoded (a validated go.Figure's to_dict): sent whole
    count = settled // SEGMENT_POINTS
    arrays = {key: np.asarray(trace[key]) for key in _ARRAYS if key in trace}
    cache = {} if cache is None else cache
    segments = []
    for k in range(count):
        key = (trace.get("uid"), k)
        if key not in cache:
            cache[key] = to_json({name: a[k * SEGMENT_POINTS:(k + 1) * SEGMENT_POINTS]
                                  for name, a in arrays.items()})
        segments.append(cache[key])
    segments = tuple(segments)
    tail = {**trace, **{key: a[count * SEGMENT_POINTS:] for key, a in arrays.items()},
            "grow": count}
    tail.pop("meta", None)
    return Growing(index, trace.get("uid"), segments, to_json(tail))


def figure_json(fig: go.Figure | dict, theme: bool = True,
                segments: dict | None = None) -> FigureJson:
    """Returns a figure (a go.Figure, or plain "data" and "layout" dicts) as JSON; with `theme`
    (Streamlit's look, which replaces the template in the browser) without its template.
    `segments` keeps growing traces' settled segments as JSON by (uid, number), for the next
    figure of the same curve (the same run, scale and length) to reuse."""
    figure = fig.to_dict() if isinstance(fig, Figure) else fig
    layout = dict(figure.get("layout", {}))
    if theme:
        layout.pop("template", None)
    traces, growing = [], []
    for index, trace in enumerate(figure.get("data", [])):
        meta = trace.get("meta")
        if isinstance(meta, dict) and GROWING in meta:
            grown = _growing(index, trace, int(meta[GROWING]), segments)
            growing.extend([grown] if grown else [])
            trace = {key: value for key, value in trace.items() if key != "meta"}
        traces.append(to_json(trace))
    return FigureJson(to_json(layout), traces, layout.get("height"), tuple(growing))


class LiveChart:
    """A place on the page for one live Plotly chart: made once per script run where the chart
    goes, then drawn as often as the run likes; every draw updates the same plot."""

    def __init__(self, name: str, bus: UpdateBus, height: int | None = None, *,
                 alt: str = "", rank: int = 0, config: dict | None = None,
                 theme: str | None = "streamlit") -> None:
        """`name` is the chart's identity (and element key); `bus` carries its updates; `height`
        defaults to the first figure's; `config` is Plotly's (PLOTLY_CONFIG by default); theme
        "streamlit" draws in the app's colours and font, None in the figure's own template; a
        busy browser redraws charts of lower `rank` first."""
        # A container, not st.empty: a rerun re-adds a container without dropping its children,
        # so the host stays mounted until this run draws it again (an empty would replace it).
        self._box = st.container(gap=None)
        self._fallback = self._box.empty() if PLOTLY_CHUNK is None else None
        # the settled segments of growing traces, each an element of its own, appended here
        self._segment_box = st.container(gap=None) if PLOTLY_CHUNK is not None else None
        # (place, uid) of each growing trace of the host -> segments the browser has
        self._segments: dict[tuple[int, str | None], int] = {}
        self._bus, self._name, self._height, self._alt, self._rank = bus, name, height, alt, rank
        self._config, self._theme = PLOTLY_CONFIG if config is None else config, theme == "streamlit"
        self._token = time.time_ns() // 1000  # orders this run's messages after earlier runs'
        # The host's layout and traces as JSON, and the latest ones sent; draws in this run.
        self._drawn = self._sent = None
        self._draws = 0
        # place -> (JSON, number) of the latest trace kept there; kept traces sent in this run
        self._kept: dict[int, tuple[bytes, int]] = {}
        self._kept_count = 0

    def draw(self, fig: go.Figure | dict, numbers: str = "") -> None:
        """Shows fig (a go.Figure, or a dict of plain "data" and "layout" that is not
        validated), and `numbers` (what it shows, in words) to screen readers: a run's first
        draw (re)draws the host, later ones send what changed."""
        self.draw_json(figure_json(fig, self._theme), numbers, fig)

    def draw_json(self, figure: FigureJson, numbers: str = "",
                  fig: go.Figure | dict | None = None) -> None:
        """Shows a figure already turned into JSON (`figure_json`; many sessions showing one
        figure turn it into JSON once); `fig` is the figure itself, for the fallback without
        plotly.js's chunk."""
        layout_json, traces, height, growing = figure
        if self._sent == (layout_json, traces, numbers):
            return  # the browser shows this already: nothing to send, nothing to redraw
        self._sent = (layout_json, traces, numbers)
        self._draws += 1
        if self._fallback is not None:
            fig = fig if fig is not None else go.Figure(
                data=[orjson.loads(t) for t in traces], layout=orjson.loads(layout_json))
            self._fallback.plotly_chart(go.Figure(fig), config=self._config,
                                        alt=f"{self._alt}. {numbers}" if numbers else self._alt,
                                        theme="streamlit" if self._theme else None,
                                        key=f"live_chart_{self._name}_{self._draws}")
        elif self._drawn is None:
            height = self._height or height or DEFAULT_HEIGHT
            self._segments = {(g.index, g.uid): len(g.segments) for g in growing}
            with self._box:
                _HOST(key=f"live_chart_{self._name}", height=height, data=_json(
                    host=True, name=self._name, token=self._token, layout=layout_json,
                    traces=[orjson.Fragment(t) for t in traces], height=height,
                    config=self._config, theme=self._theme, alt=self._alt, numbers=numbers,
                    internals=BROWSER_DETAILS, rank=self._rank, per=SEGMENT_POINTS,
                    growing={str(i): n for (i, _), n in self._segments.items()}))
            self._drawn = (layout_json, traces)
        else:
            drawn_layout, drawn_traces = self._drawn
            changed = {i: trace for i, trace in enumerate(traces)
                       if i >= len(drawn_traces) or trace != drawn_traces[i]}
            # only what came after the segments the browser has (the new ones in one element)
            sending = [g for g in growing
                       if g.index in changed and (g.index, g.uid) in self._segments]
            grown_tails = {g.index: orjson.Fragment(g.tail) for g in sending}
            entries, kept = {}, []
            for i, trace in changed.items():
                if i in grown_tails:
                    entries[str(i)] = grown_tails[i]
                elif len(trace) >= KEEP_BYTES:
                    entries[str(i)], part = self._kept_entry(i, trace)
                    kept += [part] if part else []
                else:
                    entries[str(i)] = orjson.Fragment(trace)
            self._send_parts(sending, kept)
            self._bus.add(_json(
                name=self._name, token=self._token, seq=self._draws,
                layout=None if layout_json == drawn_layout else layout_json,
                traces=entries, count=len(traces), numbers=numbers))

    def _kept_entry(self, index: int, trace: bytes) -> tuple[object, dict | None]:
        """Returns what an update carries at `index` for a large changed trace (the number of
        the kept trace it is, or the trace itself once this run has kept KEEP_LIMIT), and the
        kept trace to send with it (None when the browser has it)."""
        latest = self._kept.get(index)
        if latest is not None and latest[0] == trace:
            return {"kept": latest[1]}, None
        if self._kept_count >= KEEP_LIMIT:
            return orjson.Fragment(trace), None
        self._kept_count += 1
        self._kept[index] = (trace, self._kept_count)
        return {"kept": self._kept_count}, {"trace": index, "v": self._kept_count,
                                            "json": orjson.Fragment(trace)}

    def _send_parts(self, growing: list[Growing], kept: list[dict]) -> None:
        """Sends the settled segments of growing traces that the browser does not have yet,
        and the new kept traces, in one element that stays on the page (appended below the
        chart): none of them is lost when the browser skips updates to catch up."""
        segments = []
        for grown in growing:
            key = (grown.index, grown.uid)  # the host's trace at that place is this one
            segments += [{"trace": grown.index, "k": k, "points": orjson.Fragment(grown.segments[k])}
                         for k in range(self._segments[key], len(grown.segments))]
            self._segments[key] = max(self._segments[key], len(grown.segments))
        if segments or kept:
            with self._segment_box:
                _SEGMENT(height=0, data=_json(name=self._name, token=self._token,
                                              segments=segments, kept=kept))
