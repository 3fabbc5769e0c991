#!/bin/sh
# Starts Plateau Lab in its container: `streamlit run app.py`, listening on every interface.
#
# A Hugging Face Space shows the app inside an iframe on huggingface.co, a different site, so the
# browser withholds Streamlit's XSRF cookie there and every upload would be refused. Spaces set
# SPACE_ID in the container: only then are XSRF and CORS protection turned off. Everywhere else
# (docker run, compose, Kubernetes) .streamlit/config.toml keeps both on.
set -eu
if [ -n "${SPACE_ID:-}" ]; then
    set -- --server.enableXsrfProtection=false --server.enableCORS=false "$@"
fi
exec streamlit run app.py --server.address=0.0.0.0 --server.port=8501 "$@"
