"""Figures as pure functions of data (no st.* call): the loss against its floors, the fit, and the
charts that explain a run.
"""
