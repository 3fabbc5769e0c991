"""Live Plotly charts that update in place while the script keeps running: no remount, no blank
frame, and the user's zoom survives every redraw.

`st.plotly_chart` remounts its chart whenever the figure changes (streamlit #8782, #5107), and an
element key may be used only once per script run, so a loop that redraws a chart many times in
one run gets a new element, a new plot and a blank frame each time. Here each chart is a
custom component (st.components.v2), and its redraws travel in a second one:

- the *host* holds the plot. Its key is the chart's name, so its element ID (and React key) is
  the same in every script run: a rerun updates it instead of mounting a new one. It is drawn
  once per script run, with that run's first figure.
- each later draw in the same run queues an *update* carrying only the traces (by index) and
  the layout that differ from the host's figure; the page's UpdateBus sends a redraw's updates
  of every chart as one invisible element, replaced by the next one (its remount shows
  nothing; its script is three lines). What never changes during a run (the floors, earlier
  runs' curves, the points) crosses the websocket once per run; a figure that did not change
  at all sends nothing.

In the browser the latest host figure and the latest update of the same script run are merged
and drawn with `Plotly.react` on the host's div: the newest figure only, the loss chart first,
and charts together on at most about two thirds of the browser's time. `uirevision` in the
figure's layout keeps the user's zoom and legend clicks across those calls.

Plotly.js is not shipped over the websocket: Streamlit's own PlotlyChart chunk (the plotly.js
that `st.plotly_chart` uses; importing it sets `window.Plotly`) is imported from the Streamlit
server by URL, once per page, and the browser caches it like any other static file.

Use: make an UpdateBus and the LiveCharts where the charts go while laying out the page (once
per script run), place the bus below them, then draw as often as the run likes and flush the
bus after each redraw:

    bus = UpdateBus()
    loss_chart = LiveChart("loss", bus, alt="Loss against epoch")  # as tall as the figure says
    bus.place()
    ...
    loss_chart.draw(loss_figure(history, floors))
    bus.flush()

It is an object rather than a function because the first draw of a script run differs from the
later ones, and its place must not be an st.empty: a rerun re-sends an empty placeholder
before the first draw, which would unmount the plot every time.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st
from plotly.io.json import to_json_plotly
from streamlit.delta_generator import DeltaGenerator

# Streamlit 1.67 ships plotly.js in one lazily loaded chunk next to its entry module.
_CHUNKS = sorted((Path(st.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js"))
if len(_CHUNKS) != 1:
    raise RuntimeError(f"live_chart expects one PlotlyChart.*.js in Streamlit's static files, "
                       f"found {len(_CHUNKS)}: this Streamlit version bundles plotly.js differently")
PLOTLY_CHUNK = _CHUNKS[0].name

# Hover, zoom and the modebar as st.plotly_chart has them; the camera button saves a PNG at three
# times the screen size, sharp enough for a slide.
PLOTLY_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 3}}
DEFAULT_HEIGHT = 450  # pixels, Plotly's own default, for a figure that does not say

_JS = """
// One plot per chart name in this browser tab; hosts and updates of the same name meet here.
const charts = new Map();
let plotly = null;  // the promise of window.Plotly

function chunkUrl(file) {
  // Import the chunk from the URL Streamlit itself would use (next to its entry module), so the
  // browser reuses the modules it already has instead of loading a second copy.
  const entry = document.querySelector('script[type="module"][src*="/static/js/index."]');
  return new URL(file, entry ? entry.src : new URL("static/js/", document.baseURI)).href;
}

function loadPlotly(file) {
  if (!plotly) {
    plotly = window.Plotly ? Promise.resolve(window.Plotly) : import(chunkUrl(file)).then(() => {
      if (!window.Plotly) throw new Error(`${file} did not define window.Plotly`);
      return window.Plotly;
    });
    plotly.catch(() => { plotly = null; });  // try again on the next draw
  }
  return plotly;
}

function chartNamed(name) {
  let chart = charts.get(name);
  if (!chart) {
    chart = { div: null, host: null, token: 0, update: null, template: null };
    charts.set(name, chart);
  }
  return chart;
}

// Streamlit's look (after st.plotly_chart's theme="streamlit"), from the page's --st-* variables.
// A template only fills in what the figure leaves unset: the figure's own font size stays.
function fade(color, alpha) {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color || "");
  return hex ? `rgba(${hex.slice(1).map((h) => parseInt(h, 16)).join(",")},${alpha})` : color;
}

function streamlitTemplate(element) {
  const css = getComputedStyle(element);
  const v = (name) => css.getPropertyValue(name).trim() || undefined;
  const text = v("--st-text-color"), faded = fade(text, 0.6), font = v("--st-font");
  const grid = v("--st-border-color-light"), background = v("--st-background-color");
  const labels = { tickfont: { color: faded }, title: { font: { color: faded } }, tickcolor: grid };
  const colors = v("--st-chart-categorical-colors");
  return { layout: {
    font: { family: font, color: faded }, legend: { font: { color: text } },
    paper_bgcolor: background, plot_bgcolor: background,
    colorway: colors ? colors.split(",") : undefined,
    hoverlabel: { bgcolor: background, bordercolor: v("--st-border-color"),
                  font: { family: font, color: text } },
    xaxis: { ...labels, showgrid: false, zeroline: false, gridcolor: grid, automargin: true },
    yaxis: { ...labels, gridcolor: grid, zerolinecolor: grid, automargin: true } } };
}

function compose(chart) {
  const host = chart.host;
  const update = chart.update && chart.update.token === chart.token ? chart.update : null;
  const layout = structuredClone(update && update.layout ? update.layout : host.layout);
  layout.height = host.height;
  layout.autosize = true;
  delete layout.width;  // as wide as the column; the ResizeObserver follows it
  if (chart.template) layout.template = chart.template;
  const data = [];
  const count = update ? update.count : host.traces.length;
  // Unchanged traces keep their objects, which Plotly.react takes to mean "nothing to redo".
  for (let i = 0; i < count; i++) data.push((update && update.traces[i]) || host.traces[i]);
  return { data, layout };
}

// The charts of a tab share the browser's main thread with Streamlit's own rendering. A chart
// redraw starts no sooner after the last one ended than half the time that one took, so the
// charts use at most about two thirds of the thread: a slow computer shows fewer, newer frames
// instead of falling behind the server (each message queued behind a slow redraw would be shown
// later and later). The chart with the lowest rank (the loss) goes first; one that has waited
// longer than STARVED ms goes before it.
const STARVED = 1000;
const waiting = new Map();  // chart -> performance.now() when it first had a newer figure
let nextDrawAt = 0;         // performance.now() before which no chart starts a redraw
let busy = false, timer = null;

function schedule(chart) {
  if (!chart.div) return;
  if (!waiting.has(chart)) waiting.set(chart, performance.now());
  pump();
}

function pump() {
  if (busy || timer !== null || !waiting.size) return;
  const delay = nextDrawAt - performance.now();
  // Within one frame, many messages (a slow tab catching up) make one redraw: the latest.
  timer = delay > 0 ? setTimeout(drawNext, delay) : requestAnimationFrame(drawNext);
}

function nextChart() {
  const now = performance.now();
  let best = null;
  for (const [chart, since] of waiting) {
    const starved = now - since > STARVED;
    if (!best || (starved && !best.starved) ||
        (starved === best.starved && chart.host.rank < best.chart.host.rank)) {
      best = { chart, starved };
    }
  }
  return best && best.chart;
}

async function drawNext() {
  timer = null;
  const chart = nextChart();
  if (!chart) return;
  waiting.delete(chart);
  busy = true;
  const start = performance.now();
  try {
    const Plotly = await loadPlotly(chart.host.plotly);
    if (chart.div && chart.div.isConnected) {
      const { data, layout } = compose(chart);
      await Plotly.react(chart.div, data, layout, chart.host.config);
    }
  } catch (error) {
    console.error("live_chart", error);
    if (chart.div && !chart.div._fullLayout) {
      chart.div.textContent = `The chart could not be drawn: ${error}`;
    }
  } finally {
    const end = performance.now();
    nextDrawAt = end + Math.min(end - start, 1000) / 2;
    busy = false;
    pump();
  }
}

function showHost(chart, message, parentElement) {
  const div = parentElement.querySelector(".plateau-live-chart");
  if (chart.div !== div) {  // the first host of this name in the tab, or Streamlit remounted it
    chart.div = div;
    const resize = new ResizeObserver(() => {
      if (div._fullLayout && window.Plotly) window.Plotly.Plots.resize(div);
    });
    resize.observe(div);
    div.liveChartResize = resize;
  }
  div.setAttribute("aria-label", message.alt);
  chart.host = message;
  chart.token = message.token;  // a host is always newer than the one before it
  chart.template = message.theme ? streamlitTemplate(div) : null;
  schedule(chart);
  return () => {
    // Also called when only the data changed; only a removed host lets its plot go.
    if (div.isConnected) return;
    div.liveChartResize.disconnect();
    if (window.Plotly) window.Plotly.purge(div);
    if (chart.div === div) { charts.delete(message.name); waiting.delete(chart); }
  };
}

function takeUpdate(chart, message) {
  // Updates can arrive out of order around a rerun; keep the newest, and the host's run only.
  const kept = chart.update;
  if (message.token < chart.token) return;
  if (kept && (kept.token > message.token ||
               (kept.token === message.token && kept.seq >= message.seq))) return;
  chart.update = message;
  if (message.token === chart.token) schedule(chart);
}

loadPlotly("__PLOTLY_CHUNK__");  // as soon as the first chart's script loads: it takes seconds

// Updates come in their own element, whose tiny script hands them over through this hook (and
// leaves them in plateauLivePending when they come before the first chart's script has run).
function takeUpdates(data) {
  const message = JSON.parse(new TextDecoder().decode(data));
  for (const update of message.updates) takeUpdate(chartNamed(update.name), update);
}
window.plateauLiveCharts = takeUpdates;
for (const data of window.plateauLivePending || []) takeUpdates(data);
window.plateauLivePending = [];

export default function ({ data, parentElement }) {
  const message = JSON.parse(new TextDecoder().decode(data));
  return showHost(chartNamed(message.name), message, parentElement);
}
"""

_JS = _JS.replace("__PLOTLY_CHUNK__", PLOTLY_CHUNK)
_HOST = st.components.v2.component(
    "plateau_live_chart", html='<div class="plateau-live-chart" role="figure"></div>',
    css="""
.plateau-live-chart { width: 100%; height: 100%; }
""", js=_JS, isolate_styles=False)  # Plotly styles its modebar and hover from the page's <head>
# Every element carries its component's script, and a redraw sends one update element: keep it
# to a few lines.
_UPDATE = st.components.v2.component("plateau_live_chart_update", js="""
export default function ({ data }) {
  if (window.plateauLiveCharts) window.plateauLiveCharts(data);
  else (window.plateauLivePending = window.plateauLivePending || []).push(data);
}
""", isolate_styles=False)


# Plotly escapes "/", "<" and ">" for JSON inside an HTML page; ours goes to a script as bytes,
# and base64 arrays are full of "/": an escape that a backslash does not itself escape is undone.
_HTML_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u00(2f|3c|3e)")


def to_json(value: object) -> str:
    """Returns value as JSON the way Plotly sends figures: numpy arrays as base64 typed arrays
    (in their own dtype: float32 sends half the bytes of float64)."""
    return _HTML_ESCAPE.sub(lambda m: m.group(1) + chr(int(m.group(2), 16)), to_json_plotly(value))


def _message(**parts: str) -> str:
    """Returns a JSON object built from parts that are JSON texts already (no re-encoding)."""
    return "{" + ",".join(f'"{name}":{text}' for name, text in parts.items()) + "}"


class UpdateBus:
    """The one element per redraw that carries every live chart's changes. Each element is a
    React mount in the browser and costs about as much as a small chart's redraw on a slow
    computer: the charts of a redraw share one. Make it once per script run, `place` it below
    the charts (it is 0 px tall) and flush it at the end of every redraw."""

    def __init__(self) -> None:
        self._slot: DeltaGenerator | None = None
        self._pending: list[str] = []
        self._flushes = 0

    def place(self) -> None:
        """Puts the bus's element here on the page (by default: where it first flushes)."""
        self._slot = st.empty()

    def add(self, update: str) -> None:
        """Queues one chart's update (a JSON object) for the next flush."""
        self._pending.append(update)

    def flush(self) -> None:
        """Sends the queued updates, if any, as one element replacing the last one sent."""
        if not self._pending:
            return
        self._flushes += 1
        # No key: the ID comes from the bytes, which differ by seq.
        data = f'{{"seq":{self._flushes},"updates":[{",".join(self._pending)}]}}'.encode()
        self._pending = []
        if self._slot is None:
            self.place()
        with self._slot:
            _UPDATE(height=0, data=data)


class LiveChart:
    """A place on the page for one live Plotly chart: made once per script run where the chart
    goes, then drawn as often as the run likes; every draw updates the same plot."""

    def __init__(self, name: str, bus: UpdateBus, height: int | None = None, *,
                 alt: str = "", rank: int = 0, config: dict | None = None,
                 theme: str | None = "streamlit") -> None:
        """`name` is the chart's identity on the page (and its element key); `bus` carries its
        updates (the page flushes it after each redraw);
        `height` in pixels defaults to the first figure's layout height; `config` is Plotly's
        (PLOTLY_CONFIG by default); theme "streamlit" draws in the app's colours and font, None
        in the figure's own template; when the browser is busy, charts of lower `rank` are
        redrawn first."""
        # A container, not st.empty: a rerun re-adds a container without dropping its children,
        # so the host stays mounted until this run draws it again (an empty would replace it).
        self._box = st.container(gap=None)
        self._bus = bus
        self._name, self._height, self._alt, self._rank = name, height, alt, rank
        self._config = PLOTLY_CONFIG if config is None else config
        self._theme = theme == "streamlit"
        self._token = time.time_ns() // 1000  # orders this run's messages after earlier runs'
        self._drawn: tuple[str, list[str]] | None = None  # the host's layout and traces, as JSON
        self._sent: tuple[str, list[str]] | None = None   # the latest ones sent
        self._draws = 0

    def draw(self, fig: go.Figure) -> None:
        """Shows fig: the first draw in this run (re)draws the host, later ones send what changed."""
        figure = fig.to_dict()
        layout = figure.get("layout", {})
        if self._theme:
            layout.pop("template", None)  # replaced by Streamlit's look in the browser
        layout_json, traces = to_json(layout), [to_json(trace) for trace in figure.get("data", [])]
        name, token = to_json(self._name), str(self._token)
        if self._sent == (layout_json, traces):
            return  # the browser shows this already: nothing to send, nothing to redraw
        self._sent = (layout_json, traces)
        self._draws += 1
        if self._drawn is None:
            height = self._height or layout.get("height") or DEFAULT_HEIGHT
            with self._box:
                _HOST(key=f"live_chart_{self._name}", height=height, data=_message(
                    host="true", name=name, token=token, layout=layout_json,
                    traces="[" + ",".join(traces) + "]", height=str(height),
                    config=to_json(self._config), theme=to_json(self._theme), alt=to_json(self._alt),
                    plotly=to_json(PLOTLY_CHUNK), rank=str(self._rank)).encode())
            self._drawn = (layout_json, traces)
            return
        drawn_layout, drawn_traces = self._drawn
        changed = {i: trace for i, trace in enumerate(traces)
                   if i >= len(drawn_traces) or trace != drawn_traces[i]}
        self._bus.add(_message(
            name=name, token=token, seq=str(self._draws),
            layout="null" if layout_json == drawn_layout else layout_json,
            traces="{" + ",".join(f'"{i}":{t}' for i, t in changed.items()) + "}",
            count=str(len(traces))))


def figure_shown(payloads: Iterable[bytes], name: str) -> dict:
    """Returns the figure ({"data": [...], "layout": {...}}) that chart `name` shows, given the
    data of the page's live_chart elements in page order: the host's figure with the latest
    update of the same script run applied, as the browser merges them. For tests, which see the
    elements (AppTest: `e.proto.bytes for e in at.get("bidi_component")`), not the browser."""
    messages = []
    for message in map(json.loads, payloads):
        messages += message["updates"] if "updates" in message else [message]
    messages = [m for m in messages if m.get("name") == name]
    host = next((m for m in messages if m.get("host")), None)
    if host is None:
        raise ValueError(f"no live chart named {name!r} on the page")
    updates = [m for m in messages if not m.get("host") and m["token"] == host["token"]]
    if not updates:
        return {"data": host["traces"], "layout": host["layout"]}
    update = max(updates, key=lambda m: m["seq"])
    traces = [update["traces"].get(str(i)) or host["traces"][i] for i in range(update["count"])]
    return {"data": traces, "layout": update["layout"] or host["layout"]}
