"""A Streamlit client without a browser: the page's websocket, spoken in Streamlit 1.67's protobuf.

`PageClient` does what the browser's frontend does on the wire, and nothing more: it opens
`ws://host:port/_stcore/stream` with the subprotocol `streamlit` (the frontend puts its XSRF
token second in the same header; Streamlit 1.67 checks it only to read a login cookie, so the
socket works without one, but we send it as the browser does), sends `BackMsg.rerun_script`
with a query string and widget states, and reads the `ForwardMsg`s back into a model of the
page: the elements of the current script run by delta path, and how each run ended. It sends
any value a widget state can hold, so tests use it as a hostile client would, and a load test
as a class would (benchmarks/students.py: the same page model, `receive`d from websockets'
asyncio client, so that a hundred students need no thread each).

A file upload is what the frontend does too: ask for upload URLs over the socket
(`file_urls_request`), PUT the file over HTTP with the XSRF cookie and its `X-Xsrftoken` header,
then send the uploader's state naming the file.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import UploadedFileInfo
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

XSRF_COOKIE = "_streamlit_xsrf"
# The server may send up to server.maxMessageSize (50 MB in .streamlit/config.toml) at once.
MAX_MESSAGE_BYTES = 64 * 2**20
FINISHED = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
# a fragment's own run (a widget drawn in an st.fragment, or st.rerun(scope="fragment"))
FRAGMENT_FINISHED = ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
# Elements that are widgets: their proto carries the widget's id (and a `label`).
WIDGET_TYPES = frozenset({
    "button", "button_group", "checkbox", "data_editor", "download_button", "file_uploader",
    "multiselect", "number_input", "radio", "selectbox", "slider", "text_input", "text_area",
    "bidi_component", "dataframe", "color_picker", "date_input", "time_input"})
GENERATED_ID_PREFIX = "$$ID-"


@dataclass(frozen=True)
class Widget:
    """A widget as the page drew it: its id, element type and proto (e.g. options, bounds), and
    the fragment it was drawn in ("" outside any): the browser reruns only that fragment when
    the widget changes."""

    id: str
    type: str
    proto: object
    fragment_id: str = ""

    @property
    def key(self) -> str | None:
        """The user key the script gave it. Streamlit 1.67 spells a keyed widget's id
        "$$ID-<hash>-<key>" (streamlit/elements/lib/utils.py, _compute_element_id)."""
        if not self.id.startswith(GENERATED_ID_PREFIX):
            return None
        key = self.id.split("-", 2)[-1]
        return None if key == "None" else key


def element_texts(element: Element) -> list[str]:
    """Returns the text a student reads in one element (labels, values, messages)."""
    kind = element.WhichOneof("type")
    if kind is None:
        return []
    proto = getattr(element, kind)
    if kind == "metric":
        return [proto.label, proto.body]
    if kind == "exception":
        return [f"{proto.type}: {proto.message}"]
    if kind == "alert":
        return [t for t in (proto.title, proto.body) if t]
    if kind == "code":
        return [proto.code_text]
    texts = [getattr(proto, name) for name in ("body", "label") if hasattr(proto, name)]
    return [t for t in texts if isinstance(t, str) and t]


class PageClient:
    """One student's page on a running Streamlit server, driven over its websocket."""

    # `timeout` bounds every wait for the server (a finished run, a message): it only catches a
    # hang, so it is far beyond what a loaded CI machine takes (a run of the question's preset
    # takes about a second here).
    def __init__(self, base_url: str, *, timeout: float = 180.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session_id: str | None = None
        self._cookies = http.cookiejar.CookieJar()
        self._http = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self._cookies))
        self._socket = None
        self._exits = contextlib.ExitStack()
        self._reader: threading.Thread | None = None
        self._changed = threading.Condition()
        self._elements: dict[tuple[int, ...], Element] = {}
        self._fragments: dict[tuple[int, ...], str] = {}  # each element's fragment, if any
        self._runs_started = 0
        self._finishes: list[tuple[int, int]] = []  # (runs started so far, status) per finish
        self._script_running = False
        self._file_urls: dict[str, object] = {}
        self._closed_because: BaseException | None = None
        self.messages = self.received_bytes = 0  # ForwardMsgs read, and their bytes

    # -- connecting -------------------------------------------------------------------------
    def connect(self, query: str = "") -> PageClient:
        """Opens the page at `?query` (as a browser's first load does) and returns self once the
        connection is open; the first script run then comes in the background."""
        self._socket = self._exits.enter_context(connect(**self.handshake()))
        self._reader = threading.Thread(target=self._read, daemon=True, name="page-client")
        self._reader.start()
        self.rerun(query)
        return self

    def handshake(self) -> dict[str, object]:
        """Returns the arguments of websockets' `connect` (its sync or asyncio client) that open
        this page's websocket as the browser does, after the HTTP request that sets the XSRF
        cookie (blocks for it)."""
        self._http.open(f"{self.base_url}/_stcore/health", timeout=self.timeout).read()
        xsrf = self._xsrf_token()
        parts = urlsplit(self.base_url)
        cookie = "; ".join(f"{c.name}={c.value}" for c in self._cookies)
        return {"uri": f"ws://{parts.netloc}{parts.path}/_stcore/stream",
                "subprotocols": ["streamlit"] + ([xsrf] if xsrf else []),
                "origin": f"{parts.scheme}://{parts.netloc}",
                "additional_headers": {"Cookie": cookie} if cookie else None,
                "max_size": MAX_MESSAGE_BYTES, "open_timeout": self.timeout}

    def close(self) -> None:
        """Closes the websocket (the server then ends the session's script) and the reader."""
        self._exits.close()
        if self._reader is not None:
            self._reader.join(timeout=self.timeout)

    def __enter__(self) -> PageClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _xsrf_token(self) -> str | None:
        return next((c.value for c in self._cookies if c.name == XSRF_COOKIE), None)

    # -- sending ----------------------------------------------------------------------------
    def rerun(self, query: str | None = "", widget_states: Iterable[WidgetState] = ()) -> int:
        """Asks for a script run with these widget states (others keep their last values);
        returns a mark to pass to `wait_for_run`. `query` is the page's query string."""
        message, mark = self.rerun_message(query, widget_states)
        self.send(message)
        return mark

    def rerun_message(self, query: str | None = "", widget_states: Iterable[WidgetState] = (),
                      fragment_id: str = "") -> tuple[BackMsg, int]:
        """Returns what `rerun` sends, unsent, and the mark to pass to `wait_for_run` (or
        `run_finished`) once it is sent; with `fragment_id` (a widget's, as the browser sends
        for a widget drawn in a fragment) the server reruns that fragment alone."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string = query or ""
        state.fragment_id = fragment_id
        state.page_script_hash = ""
        state.widget_states.widgets.extend(widget_states)
        state.context_info.url = f"{self.base_url}/"
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-US"
        with self._changed:
            return message, self._runs_started

    def send(self, message: BackMsg) -> None:
        """Sends any BackMsg as it is."""
        self._socket.send(message.SerializeToString())

    def upload(self, widget: Widget, name: str, data: bytes) -> WidgetState:
        """Returns the widget state that names `data` uploaded to a file_uploader as `name`
        (asks the server for upload URLs and PUTs the file first, as the frontend does)."""
        request_id = uuid.uuid4().hex
        message = BackMsg()
        message.file_urls_request.request_id = request_id
        message.file_urls_request.session_id = self.session_id or ""
        message.file_urls_request.file_names.append(name)
        self.send(message)
        self._wait(lambda: request_id in self._file_urls, f"upload URLs for {name}")
        response = self._file_urls.pop(request_id)
        urls = response.file_urls[0]
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n").encode() + data + \
            f"\r\n--{boundary}--\r\n".encode()
        put = urllib.request.Request(
            urls.upload_url if "://" in urls.upload_url else self.base_url + urls.upload_url,
            data=body, method="PUT",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                     "X-Xsrftoken": self._xsrf_token() or ""})
        self._http.open(put, timeout=self.timeout).read()
        state = WidgetState(id=widget.id)
        state.file_uploader_state_value.uploaded_file_info.append(UploadedFileInfo(
            name=name, size=len(data), file_id=urls.file_id, file_urls=urls))
        return state

    # -- receiving --------------------------------------------------------------------------
    def _read(self) -> None:
        try:
            for data in self._socket:
                self.receive(data)
        except ConnectionClosed as e:
            self._closed_because = e
        finally:
            with self._changed:
                self._closed_because = self._closed_because or ConnectionError("closed")
                self._changed.notify_all()

    def receive(self, data: bytes) -> None:
        """Reads one ForwardMsg as the server sent it into the page (the reader thread calls
        this; a client with its own transport may instead of `connect`)."""
        message = ForwardMsg()
        message.ParseFromString(data)
        with self._changed:
            self.messages += 1
            self.received_bytes += len(data)
            self._take(message)
            self._changed.notify_all()

    def _take(self, message: ForwardMsg) -> None:
        kind = message.WhichOneof("type")
        if kind == "new_session":
            if message.new_session.HasField("initialize"):
                self.session_id = message.new_session.initialize.session_id
            if not message.metadata.run.fragment_ids:  # a full run redraws the whole page
                self._elements.clear()
                self._fragments.clear()
            self._runs_started += 1
            self._script_running = True
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            path = tuple(message.metadata.delta_path)
            self._elements[path] = message.delta.new_element
            self._fragments[path] = message.delta.fragment_id
        elif kind == "script_finished":
            self._finishes.append((self._runs_started, message.script_finished))
            self._script_running = False
        elif kind == "session_status_changed":
            self._script_running = message.session_status_changed.script_is_running
        elif kind == "file_urls_response":
            self._file_urls[message.file_urls_response.response_id] = message.file_urls_response

    def _wait(self, done: Callable[[], bool], what: str, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._changed:
            while not done():
                if self._closed_because is not None:
                    raise ConnectionError(f"the server closed the page while waiting for {what}: "
                                          f"{self._closed_because!r}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no {what} within {timeout or self.timeout} s; the page "
                                       f"shows {self._texts()[:40]}")
                self._changed.wait(left)

    def wait_for_run(self, mark: int, timeout: float | None = None) -> None:
        """Returns once a script run that started after `mark` (from `rerun`) has finished
        successfully, i.e. not stopped early for another rerun."""
        self._wait(lambda: self.run_finished(mark), "finished run", timeout)

    def run_finished(self, mark: int) -> bool:
        """Returns True once a script run (or a fragment's run) that started after `mark` has
        finished successfully."""
        with self._changed:
            return any(started > mark and status in (FINISHED, FRAGMENT_FINISHED)
                       for started, status in self._finishes)

    def finishes_after(self, mark: int) -> list[int]:
        """Returns the ScriptFinishedStatus of each script run (or fragment's run) that started
        after `mark` and has finished, in order: a run stopped for a rerun says so."""
        with self._changed:
            return [status for started, status in self._finishes if started > mark]

    def wait_until(self, predicate: Callable[[PageClient], bool], timeout: float | None = None,
                   what: str = "condition") -> None:
        """Returns once `predicate(self)` holds (checked after every message received)."""
        self._wait(lambda: predicate(self), what, timeout)

    def run(self, query: str | None = "", widget_states: Iterable[WidgetState] = ()) -> PageClient:
        """Reruns with these widget states and returns self once that run has finished."""
        self.wait_for_run(self.rerun(query, widget_states))
        return self

    def settle(self) -> PageClient:
        """Returns self once the page is idle after any burst of messages: a plain rerun sent
        after everything before it has finished. (A run in progress when the rerun arrives
        stops early and the rerun's own run follows it.)"""
        return self.run(None)

    # -- reading the page -------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        """False once the server has closed this page's websocket."""
        return self._closed_because is None

    def elements(self) -> list[Element]:
        """Returns the elements of the current script run, in page order."""
        with self._changed:
            return [self._elements[path] for path in sorted(self._elements)]

    def _texts(self) -> list[str]:
        return [t for path in sorted(self._elements) for t in element_texts(self._elements[path])]

    def texts(self) -> list[str]:
        """Returns every text on the page, in page order."""
        with self._changed:
            return self._texts()

    def exceptions(self) -> list[object]:
        """Returns the page's exception elements (Streamlit's Exception protos)."""
        return [e.exception for e in self.elements() if e.WhichOneof("type") == "exception"]

    def metrics(self) -> dict[str, str]:
        """Returns the page's metrics as {label: value shown}."""
        return {e.metric.label: e.metric.body for e in self.elements()
                if e.WhichOneof("type") == "metric"}

    def widgets(self) -> dict[str, Widget]:
        """Returns the page's keyed widgets by their user key, with the ids the server gave
        them (read from the page, never computed)."""
        found = {}
        with self._changed:
            drawn = [(self._elements[path], self._fragments.get(path, ""))
                     for path in sorted(self._elements)]
        for element, fragment_id in drawn:
            kind = element.WhichOneof("type")
            proto = getattr(element, kind) if kind else None
            widget_id = getattr(proto, "id", "") if kind in WIDGET_TYPES else ""
            if widget_id:
                widget = Widget(widget_id, kind, proto, fragment_id)
                if widget.key:
                    found[widget.key] = widget
        return found
