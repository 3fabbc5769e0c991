"""Lecture tools in the page: links that hide controls, run comparison, the projector switch."""

from __future__ import annotations

from components import state as S


def test_a_lecture_link_shows_only_the_controls_it_does_not_hide(open_page):
    """hide= removes those widgets (and the advanced settings) while the run still uses the
    link's values for them."""
    hidden = "points,depth,width,init,opt,lr,epochs,speed,batch,seed,seeds"
    at = open_page({"preset": "question", "act": "relu", "hide": hidden})
    assert not at.exception and not at.warning
    assert [s.key for s in at.selectbox] == ["act"]
    assert not at.slider and not at.number_input and not at.select_slider
    assert not at.get("arrow_data_frame") and not at.get("data_editor")
    at.selectbox(key="act").set_value("tanh").run()
    experiment = at.session_state[S.RUN].experiment
    assert experiment.network.activation == "tanh" and experiment.training.lr == 1e-5
    assert at.query_params["hide"] in (hidden, [hidden])


def test_an_unknown_control_in_hide_is_named_in_a_warning(open_page):
    """hide=act,frobnicate hides the activation and warns about the unknown name."""
    at = open_page({"hide": "act,frobnicate"})
    assert not at.exception and [s.key for s in at.selectbox] == ["speed"]
    assert "frobnicate" in at.warning[0].value


def test_finished_runs_stay_on_the_loss_chart_labelled_by_what_differed(open_page, chart_of):
    """After two runs, the second's loss chart carries the first as a faded, labelled curve."""
    at = open_page({"preset": "question", "epochs": "300"})
    at.button(key="play").click().run()
    at.selectbox(key="act").set_value("relu").run()
    at.button(key="play").click().run()
    assert not at.exception
    loss_chart = chart_of(at, "loss")
    names = [trace.get("name") for trace in loss_chart["data"]]
    assert "act=linear" in names and "loss" in names
    assert len(at.session_state[S.COMPARED]) == 2
    at.button(key="clear_compared").click().run()
    loss_chart = chart_of(at, "loss")
    assert "act=linear" not in [trace.get("name") for trace in loss_chart["data"]]


def test_the_projector_switch_enlarges_the_page_text(open_page):
    """The large-text toggle adds a style that scales the root font."""
    at = open_page()
    at.toggle(key=S.LARGE_TEXT).set_value(True).run()
    assert not at.exception
    assert any("font-size: 22px" in element.proto.body for element in at.get("html"))
