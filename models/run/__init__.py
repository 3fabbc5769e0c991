"""A run over time: its history, the snapshots a replay shows, the pace it plays at, and the run
itself (trainer, history and schedule of mid-run changes). Imports the engine only.
"""
