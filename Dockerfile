# Plateau Lab: the Streamlit app on CPU-only PyTorch, served on port $PORT (default 8501): one
# Streamlit process per core behind nginx, or one alone (deploy/start.sh says how it chooses).
#
#   docker build -t plateau-lab .
#   docker run --rm -p 8501:8501 plateau-lab        # then open http://localhost:8501
#
# The same image runs on a Hugging Face Docker Space, under docker-compose behind nginx, and on
# Kubernetes (deploy/README.md). Settings come from .streamlit/config.toml; anything can be
# overridden with STREAMLIT_<SECTION>_<OPTION> environment variables.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Sessions train in threads of one process: one math thread each, or they fight for cores.
    OMP_NUM_THREADS=1

WORKDIR /app

# nginx, for deploy/start.sh's several processes on one port: Debian's, without its suggestions.
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx \
 && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a code change rebuilds only the last layers.
COPY requirements.txt .
# torch comes first and from PyTorch's CPU-only index: PyPI's Linux torch wheel depends on the
# CUDA libraries (several GB) that a CPU server never uses. --index-url (not --extra-index-url)
# makes that index the only source for torch and its few dependencies, so pip cannot pick a
# CUDA build or a look-alike package from elsewhere; the version is the one pinned in
# requirements.txt (the CPU wheel is 2.13.0+cpu, which satisfies torch==2.13.0). The second
# install then finds torch already satisfied and takes the rest from PyPI.
RUN pip install --index-url https://download.pytorch.org/whl/cpu "$(grep -E '^torch==' requirements.txt)" \
 && pip install -r requirements.txt \
 && python -c "import torch; assert not torch.version.cuda, torch.version.cuda"

# A user without privileges; uid 1000 is the one Hugging Face Spaces run containers as.
RUN useradd --create-home --uid 1000 app

# The code stays owned by root (read-only to the app); .dockerignore keeps the context small.
COPY . .

USER app
ENV HOME=/home/app
EXPOSE 8501

# The slim image has no curl: Python asks Streamlit's own health endpoint (through nginx when
# there are several processes). Generous: a full class once slowed it to seconds.
HEALTHCHECK --interval=15s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_stcore/health' % os.environ.get('PORT', '8501'), timeout=9)"]

# One Streamlit process per core behind nginx (or one alone) on 0.0.0.0:$PORT; on a Hugging Face
# Space only, without XSRF/CORS checks.
CMD ["sh", "deploy/start.sh"]
