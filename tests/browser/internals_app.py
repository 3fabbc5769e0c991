"""A page that reports what components/streamlit_internals/ reads from the server it runs in
(tests/browser/test_streamlit_internals.py serves it with `streamlit run`)."""

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for `components`

from components import streamlit_internals as internals  # noqa: E402

client = internals._client()
st.text(f"client={type(client).__name__}")
st.text(f"send_queue={type(getattr(client, '_send_queue', None)).__name__}")
st.text(f"browser_connected={internals.browser_connected()}")
st.text(f"unsent_messages={internals.unsent_messages()}")
info = internals._session_info()
st.text(f"browser_queue={type(getattr(getattr(info, 'session', None), '_browser_queue', None)).__name__}")
st.text(f"unflushed_messages={internals.unflushed_messages()}")
st.text(f"degraded={sorted(internals._warned)}")
