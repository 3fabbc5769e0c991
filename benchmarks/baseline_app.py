"""The straightforward Streamlit app a user would write for the question: the page benchmark's
baseline (`python -m benchmarks.page` runs it beside app.py).

Three points, 1 -> 10 -> 1 with no activation, Glorot-uniform weights and zero biases (Keras's
Dense defaults), Adam lr 1e-5, 10,000 full-batch epochs, nn.Sequential + autograd in PyTorch's
default float32; a Plotly loss chart redrawn every 100 epochs.
"""

import plotly.graph_objects as go
import streamlit as st
import torch
from torch import nn

from models.experiment import QUESTION_XS, QUESTION_YS

EPOCHS = 10_000
REDRAW_EVERY = 100

st.title("Baseline: a plain training loop")
if st.button("Train"):
    torch.manual_seed(0)
    x = torch.tensor(QUESTION_XS).reshape(-1, 1)
    y = torch.tensor(QUESTION_YS).reshape(-1, 1)
    model = nn.Sequential(nn.Linear(1, 10), nn.Linear(10, 1))
    for layer in model:
        nn.init.xavier_uniform_(layer.weight)
        nn.init.zeros_(layer.bias)
    opt = torch.optim.Adam(model.parameters(), lr=1e-5)
    mse = nn.MSELoss()
    status, chart = st.empty(), st.empty()
    losses = []
    for epoch in range(1, EPOCHS + 1):
        opt.zero_grad()
        loss = mse(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if epoch % REDRAW_EVERY == 0:
            status.text(f"Training · epoch {epoch}/{EPOCHS}")
            figure = go.Figure(go.Scatter(y=losses, mode="lines"))
            figure.update_layout(xaxis_title="epoch", yaxis_title="MSE", yaxis_type="log")
            chart.plotly_chart(figure, key=f"loss_{epoch}")  # a fresh key per redraw
    status.text(f"Finished · epoch {EPOCHS}/{EPOCHS}")
