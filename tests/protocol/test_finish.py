"""A run that finishes while the page plays it ends in the script run that played it: Play
(not Pause), the Replay epoch slider and the final frame are drawn in their places, with no
rerun of the live part (which re-sent its every element and chart, for every student of a class
at the same moment).

Against a real `streamlit run app.py`, pressing Play in the live fragment as a browser does;
every wait is for the server's messages, never a sleep."""

from __future__ import annotations

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from tests.harness.protocol import PageClient

LINK = "preset=question&epochs=300&speed=max"


def _press(page: PageClient, key: str) -> int:
    """Presses the button `key` as a browser does (rerunning the fragment it is drawn in);
    returns the mark of the run it starts."""
    button = page.widgets()[key]
    message, mark = page.rerun_message(LINK, [WidgetState(id=button.id, trigger_value=True)],
                                       fragment_id=button.fragment_id)
    page.send(message)
    return mark


def _finished_run(page: PageClient, mark: int) -> list[int]:
    page.wait_until(lambda p: p.finishes_after(mark), what="the Play run's end")
    return page.finishes_after(mark)


def test_a_finished_run_shows_play_and_its_replay_without_a_rerun(app_server):
    with PageClient(app_server.url).connect(LINK) as page:
        page.wait_for_run(0)
        assert page.widgets()["play"].proto.label == "Play"
        assert "replay_epoch" not in page.widgets()
        mark = _press(page, "play")
        # the Play run itself ends the run, successfully: it was not stopped for a rerun
        assert _finished_run(page, mark) == \
            [ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY]
        widgets = page.widgets()
        assert widgets["play"].proto.label == "Play"
        assert widgets["replay_epoch"].proto.label == "Replay epoch"
        assert list(widgets["replay_epoch"].proto.value) == [300] and widgets["replay_epoch"].proto.max == 300
        assert "## Finished · epoch 300/300" in page.texts()
        assert page.exceptions() == []
        loss = page.metrics()["Loss"]

        # Play again starts the run over and ends it the same way, now with the first run
        # to compare (its Clear button) and the same loss (the same seed)
        mark = _press(page, "play")
        assert _finished_run(page, mark) == \
            [ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY]
        widgets = page.widgets()
        assert widgets["play"].proto.label == "Play" and "clear_compared" in widgets
        assert "## Finished · epoch 300/300" in page.texts()
        assert page.metrics()["Loss"] == loss and page.exceptions() == []
