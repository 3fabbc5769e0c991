"""The run store of this server process (models/run/store.py): every session's run reads its
track from it, so a class on one link trains the run once and each student reads it in place.

One store per process: Streamlit runs every session's script in a thread of one Python process,
and the module is imported once per process.
"""

from __future__ import annotations

from models.run.store import RunStore

STORE = RunStore()
