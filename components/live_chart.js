// The browser side of components/live_chart.py: one Plotly plot per chart name, mounted once
// (the *host* element) and redrawn in place with Plotly.react from later *update* elements.
// Streamlit's private details it reads (the plotly.js chunk, the entry module's selector, the
// theme's CSS variables) arrive in each host's message from components/streamlit_internals/.

// One plot per chart name in this browser tab; hosts and updates of the same name meet here.
const charts = new Map();
let plotly = null;  // the promise of plotly.js's global, once its chunk is imported
let plotlyGlobal = () => undefined;  // that global, or undefined before it is loaded

function chunkUrl(file, entrySelector) {
  // Import the chunk from the URL Streamlit itself would use (next to its entry module), so the
  // browser reuses the modules it already has instead of loading a second copy.
  const entry = document.querySelector(entrySelector);
  return new URL(file, entry ? entry.src : new URL("static/js/", document.baseURI)).href;
}

function loadPlotly(internals) {
  if (!plotly) {
    const file = internals.plotly, name = internals.plotlyGlobal;
    plotlyGlobal = () => window[name];
    plotly = plotlyGlobal() ? Promise.resolve(plotlyGlobal()) : import(chunkUrl(file, internals.entry)).then(() => {
      if (!plotlyGlobal()) throw new Error(`${file} did not define window.${name}`);
      return plotlyGlobal();
    });
    plotly.catch(() => { plotly = null; });  // try again on the next draw
  }
  return plotly;
}

function chartNamed(name) {
  let chart = charts.get(name);
  if (!chart) {
    chart = { div: null, host: null, token: 0, update: null, template: null,
              segments: new Map(), kept: new Map(), hostArrays: new Map(), grown: new WeakMap() };
    charts.set(name, chart);
  }
  return chart;
}

// Streamlit's look (after st.plotly_chart's theme="streamlit"), from the page's CSS variables
// (their names come from components/streamlit_internals/).
// A template only fills in what the figure leaves unset: the figure's own font size stays.
function fade(color, alpha) {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color || "");
  return hex ? `rgba(${hex.slice(1).map((h) => parseInt(h, 16)).join(",")},${alpha})` : color;
}

function streamlitTemplate(element, names) {
  const css = getComputedStyle(element);
  const v = (role) => css.getPropertyValue(names[role]).trim() || undefined;
  const text = v("text"), faded = fade(text, 0.6), font = v("font");
  const grid = v("grid"), background = v("background");
  const labels = { tickfont: { color: faded }, title: { font: { color: faded } }, tickcolor: grid };
  const colors = v("colors");
  return { layout: {
    font: { family: font, color: faded }, legend: { font: { color: text } },
    paper_bgcolor: background, plot_bgcolor: background,
    colorway: colors ? colors.split(",") : undefined,
    hoverlabel: { bgcolor: background, bordercolor: v("border"),
                  font: { family: font, color: text } },
    xaxis: { ...labels, showgrid: false, zeroline: false, gridcolor: grid, automargin: true },
    yaxis: { ...labels, gridcolor: grid, zerolinecolor: grid, automargin: true } } };
}

// A growing trace (the loss curve) comes in three parts: its points as the host had them, the
// settled segments sent since (elements of their own: components/live_chart.py's _SEGMENT,
// kept in chart.segments by the host's token, trace and number), and the update's tail, whose
// "grow" says how many segments of `host.per` points come before it.
const TYPED = { f4: Float32Array, f8: Float64Array, i1: Int8Array, u1: Uint8Array,
                i2: Int16Array, u2: Uint16Array, i4: Int32Array, u4: Uint32Array };
const ARRAYS = ["x", "y", "customdata"];

function columns(array) {  // values a point: customdata is [loss, gap] a point
  if (!array) return 1;
  if (Array.isArray(array)) return Array.isArray(array[0]) ? array[0].length : 1;
  return array.shape ? Number(String(array.shape).split(",")[1] || 1) : 1;
}

function flat(array) {  // a plain or typed array (plotly's {dtype, bdata, shape}) as numbers
  if (!array) return [];
  if (Array.isArray(array)) return array.flat();
  const bytes = Uint8Array.from(atob(array.bdata), (c) => c.charCodeAt(0));
  return Array.from(new TYPED[array.dtype](bytes.buffer));
}

// A kept trace (a large one that changed from the host's, the landscape's contour) comes once
// in the same kind of element, kept in chart.kept by token, trace and number; updates name it
// by number, and the one object serves every redraw (Plotly.react redoes nothing for it).
function takeSegment(data) {
  const message = JSON.parse(new TextDecoder().decode(data));
  const chart = chartNamed(message.name);
  for (const segment of message.segments || []) {
    const points = {};
    for (const key of ARRAYS) if (key in segment.points) points[key] = flat(segment.points[key]);
    chart.segments.set(`${message.token}|${segment.trace}|${segment.k}`, points);
  }
  for (const kept of message.kept || []) {
    chart.kept.set(`${message.token}|${kept.trace}|${kept.v}`, kept.json);
  }
  if (message.token === chart.token) schedule(chart);
}

function hostPoints(chart, i, key, points) {  // the host's first `points` points, decoded once
  const id = `${i}|${key}`;
  if (!chart.hostArrays.has(id)) chart.hostArrays.set(id, flat(chart.host.traces[i][key]));
  return chart.hostArrays.get(id).slice(0, points * columns(chart.host.traces[i][key]));
}

function grown(chart, i, tail) {  // the whole trace, or null while a segment is on its way
  const host = chart.host, per = host.per, had = (host.growing || {})[i] || 0;
  const trace = { ...tail };
  delete trace.grow;
  for (const key of ARRAYS) {
    if (!(key in tail)) continue;
    const width = columns(tail[key]);
    const values = hostPoints(chart, i, key, Math.min(tail.grow, had) * per);
    for (let k = had; k < tail.grow; k++) {
      const segment = chart.segments.get(`${chart.token}|${i}|${k}`);
      if (!segment) return null;
      for (const v of segment[key]) values.push(v);
    }
    for (const v of flat(tail[key])) values.push(v);
    trace[key] = width === 1 ? values
      : Array.from({ length: values.length / width }, (_, j) => values.slice(j * width, (j + 1) * width));
  }
  return trace;
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
  for (let i = 0; i < count; i++) {
    const trace = update && update.traces[i];
    if (trace && "kept" in trace) {
      const kept = chart.kept.get(`${chart.token}|${i}|${trace.kept}`);
      if (!kept) return null;  // drawn again when it arrives (takeSegment)
      data.push(kept);
    } else if (trace && "grow" in trace) {
      if (!chart.grown.has(trace)) {
        const whole = grown(chart, i, trace);
        if (!whole) return null;  // drawn again when the segment arrives (takeSegment)
        chart.grown.set(trace, whole);
      }
      data.push(chart.grown.get(trace));
    } else data.push(trace || host.traces[i]);
  }
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
    const Plotly = await loadPlotly(chart.host.internals);
    const figure = chart.div && chart.div.isConnected ? compose(chart) : null;
    if (figure) await Plotly.react(chart.div, figure.data, figure.layout, chart.host.config);
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
      if (div._fullLayout && plotlyGlobal()) plotlyGlobal().Plots.resize(div);
    });
    resize.observe(div);
    div.liveChartResize = resize;
  }
  div.setAttribute("aria-label", message.alt);
  const numbers = parentElement.querySelector(".plateau-chart-numbers");
  numbers.id = `plateau-chart-numbers-${message.name}`;
  div.setAttribute("aria-describedby", numbers.id);
  chart.numbers = numbers;
  showNumbers(chart, message.numbers);
  chart.host = message;
  chart.token = message.token;  // a host is always newer than the one before it
  chart.hostArrays = new Map();
  for (const parts of [chart.segments, chart.kept]) {  // an earlier run's are of no use now
    for (const id of parts.keys()) if (!id.startsWith(`${message.token}|`)) parts.delete(id);
  }
  chart.template = message.theme ? streamlitTemplate(div, message.internals.theme) : null;
  schedule(chart);
  return () => {
    // Also called when only the data changed; only a removed host lets its plot go.
    if (div.isConnected) return;
    div.liveChartResize.disconnect();
    if (plotlyGlobal()) plotlyGlobal().purge(div);
    if (chart.div === div) { charts.delete(message.name); waiting.delete(chart); }
  };
}

// What a chart shows, in words, is written at once: it costs nothing next to a redraw, and a
// screen reader reads it on demand (it is no live region).
function showNumbers(chart, numbers) {
  if (chart.numbers && chart.numbers.textContent !== numbers) chart.numbers.textContent = numbers || "";
}

function takeUpdate(chart, message) {
  // Updates can arrive out of order around a rerun; keep the newest, and the host's run only.
  const kept = chart.update;
  if (message.token < chart.token) return;
  if (kept && (kept.token > message.token ||
               (kept.token === message.token && kept.seq >= message.seq))) return;
  chart.update = message;
  if (message.token === chart.token) {
    showNumbers(chart, message.numbers);
    schedule(chart);
  }
}

// The page's polite live region (the diagnosis's label): one node for the tab's lifetime, made
// outside Streamlit's elements so that no rerun replaces it, its text changed only when the
// text sent differs (a screen reader speaks each change). The newest run's newest text wins.
let announced = { token: 0, seq: 0 };
function announce(message) {
  if (message.token < announced.token ||
      (message.token === announced.token && message.seq < announced.seq)) return;
  announced = message;
  let region = document.getElementById("plateau-announcements");
  if (!region) {
    region = document.createElement("div");
    region.id = "plateau-announcements";
    region.setAttribute("aria-live", "polite");
    region.setAttribute("aria-atomic", "true");
    region.className = message.hidden;
    document.body.appendChild(region);
  }
  if (region.textContent !== message.announce) region.textContent = message.announce;
}

// Updates come in their own element, whose tiny script hands them over through this hook (and
// leaves them in plateauLivePending when they come before the first chart's script has run).
function takeUpdates(data) {
  const message = JSON.parse(new TextDecoder().decode(data));
  for (const update of message.updates) {
    if ("announce" in update) announce(update);
    else takeUpdate(chartNamed(update.name), update);
  }
}
window.plateauLiveCharts = takeUpdates;
window.plateauLiveSegments = takeSegment;
for (const data of window.plateauLiveSegmentsPending || []) takeSegment(data);
window.plateauLiveSegmentsPending = [];
for (const data of window.plateauLivePending || []) takeUpdates(data);
window.plateauLivePending = [];

export default function ({ data, parentElement }) {
  const message = JSON.parse(new TextDecoder().decode(data));
  loadPlotly(message.internals);  // at once: fetching plotly.js takes seconds on a slow network
  return showHost(chartNamed(message.name), message, parentElement);
}
