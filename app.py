"""Plateau Lab: why a neural network stops learning, and the floor it cannot cross."""

import streamlit as st

from components.explain.question_log import render_log_verdict
from components.live.section import render_live
from components.page_style import style_page
from components.panel.controls import render_network_controls, render_training_controls
from components.panel.lecture_tools import large_text, render_lecture_link
from components.panel.points_table import render_points_table
from components.panel.presets import preset_note, render_presets
from components.panel.share import render_link_warnings, start_session, sync_link
from components.panel.widget_values import repair_widget_values
from models.analysis.floors import floors
from models.experiment import Experiment

st.set_page_config(page_title="Plateau Lab", page_icon="⛰️", layout="wide")
style_page()
start_session()
repair_widget_values()  # what the browser sent, parsed at the edge before any control is drawn

with st.sidebar:
    render_presets()
    network = render_network_controls()
    training, seed, seeds = render_training_controls(network)
    large_text()

st.title("Plateau Lab")
st.caption("Why does the loss stop falling? Train a small network on a few points and watch it "
           "meet the floor its architecture cannot cross.")
render_link_warnings()

points_column, note_column = st.columns([1, 2])
with points_column:
    points, ready = render_points_table()
experiment = Experiment(points=points, network=network, training=training, seed=seed, seeds=seeds)
with note_column:
    note = preset_note(experiment)
    if note:
        st.info(note, icon=":material/lightbulb:")
    render_log_verdict(experiment)
    render_lecture_link(experiment)
sync_link(experiment)
render_live(experiment, floors(points, network), ready)
