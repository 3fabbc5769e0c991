"""Reading the live charts of an AppTest page as the browser would show them."""

from __future__ import annotations

import json
from collections.abc import Iterable


def _charts(payloads: Iterable[bytes]) -> list[dict]:
    """Returns the messages of the page's live charts, from the data of its components in page
    order: a component that carries no data (the Play button's click guard) is not a chart."""
    return [json.loads(payload) for payload in payloads if payload]


def _host_and_latest(payloads: Iterable[bytes], name: str) -> tuple[dict, dict | None]:
    """Returns chart `name`'s host message and the newest update of the same script run (None
    when there is none), from the data of the page's live_chart elements in page order."""
    messages = []
    for message in _charts(payloads):
        messages += message["updates"] if "updates" in message else [message]
    messages = [m for m in messages if m.get("name") == name]
    host = next((m for m in messages if m.get("host")), None)
    if host is None:
        raise ValueError(f"no live chart named {name!r} on the page")
    updates = [m for m in messages if "seq" in m and m["token"] == host["token"]]
    return host, max(updates, key=lambda m: m["seq"]) if updates else None


def figure_shown(payloads: Iterable[bytes], name: str) -> dict:
    """Returns the figure ({"data": [...], "layout": {...}}) that chart `name` shows, given the
    data of the page's live_chart elements in page order: the host's figure with the latest
    update of the same script run applied, as components/live_chart.js merges them. AppTest
    sees the elements (`e.proto.bytes for e in at.get("bidi_component")`), not the browser."""
    payloads = list(payloads)
    host, update = _host_and_latest(payloads, name)
    if update is None:
        return {"data": host["traces"], "layout": host["layout"]}
    kept = {(part["trace"], part["v"]): part["json"] for message in _charts(payloads)
            if message.get("name") == name and message.get("token") == host["token"]
            for part in message.get("kept", [])}
    traces = [update["traces"].get(str(i)) or host["traces"][i] for i in range(update["count"])]
    traces = [kept[i, trace["kept"]] if "kept" in trace else trace
              for i, trace in enumerate(traces)]
    return {"data": traces, "layout": update["layout"] or host["layout"]}


def numbers_shown(payloads: Iterable[bytes], name: str) -> str:
    """Returns the words chart `name` gives a screen reader now (its hidden paragraph): the
    newest update's of the host's script run, or the host's own, as live_chart.js writes them."""
    host, update = _host_and_latest(payloads, name)
    return (update or host)["numbers"]
