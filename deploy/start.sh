#!/bin/sh
# Starts Plateau Lab in its container, on $PORT (default 8501) of $PLATEAU_ADDRESS (default
# 0.0.0.0, every interface), in one of two arrangements:
#
#   PLATEAU_PROCESSES=1     one `streamlit run app.py` (warmed first: deploy/serve.py), listening
#                           on $PORT itself;
#   PLATEAU_PROCESSES=N     N of them on 127.0.0.1 ports from $PLATEAU_FIRST_PORT (default
#                           PORT+1), behind nginx on $PORT with deploy/nginx.conf: each browser
#                           kept on one process by its cookie, the page's files gzipped and cached;
#   PLATEAU_PROCESSES=auto  (the default) one process per core the container may use. A process
#                           runs all its sessions under one interpreter lock, so it uses about one
#                           core; deploy/README.md section 5 has the measurements.
#
# A Hugging Face Space shows the app inside an iframe on huggingface.co, a different site, so the
# browser withholds Streamlit's XSRF cookie there and every upload would be refused. Spaces set
# SPACE_ID in the container: only then are XSRF and CORS protection turned off. Everywhere else
# (docker run, compose, Kubernetes) .streamlit/config.toml keeps both on.
set -eu
PORT="${PORT:-8501}"
address="${PLATEAU_ADDRESS:-0.0.0.0}"
processes="${PLATEAU_PROCESSES:-auto}"
if [ "$processes" = auto ]; then
    processes=$(nproc)
    # nproc counts the cores the container may run on, not a CPU quota (docker run --cpus, a
    # Space's 2 vCPUs on a large host): a quota of 1.5 cores counts as 2.
    if read -r quota period < /sys/fs/cgroup/cpu.max 2>/dev/null && [ "$quota" != max ]; then
        quota=$(( (quota + period - 1) / period ))
        if [ "$quota" -lt "$processes" ]; then processes=$quota; fi
    fi
fi
case "$processes" in
    ''|*[!0-9]*) echo "start.sh: PLATEAU_PROCESSES is '$processes': use 1, 2, ... or auto" >&2; exit 64 ;;
esac
if [ -n "${SPACE_ID:-}" ]; then
    set -- --server.enableXsrfProtection=false --server.enableCORS=false "$@"
fi
if [ "$processes" -le 1 ]; then
    exec python -m deploy.serve run app.py --server.address="$address" --server.port="$PORT" "$@"
fi

# Streamlit signs its XSRF cookie with this secret: a browser's cookie from one process must be
# accepted by all of them, so they share one (generated here unless the deployment sets it).
: "${STREAMLIT_SERVER_COOKIE_SECRET:=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')}"
export STREAMLIT_SERVER_COOKIE_SECRET
run=$(mktemp -d "${TMPDIR:-/tmp}/plateau.XXXXXX")  # nginx's conf, cache and temporary files
chmod 755 "$run"  # run as root, nginx's workers are another user and must reach their files
children=""

stop() {  # stops every child, waits until they have exited, and exits with status $1
    trap '' TERM INT HUP
    kill $children 2>/dev/null || true
    wait
    rm -rf "$run"
    exit "$1"
}
trap 'stop 0' TERM INT HUP

first="${PLATEAU_FIRST_PORT:-$((PORT + 1))}"
upstreams=""
i=0
while [ "$i" -lt "$processes" ]; do
    python -m deploy.serve run app.py --server.address=127.0.0.1 --server.port=$((first + i)) "$@" &
    children="$children $!"
    upstreams="$upstreams 127.0.0.1:$((first + i))"
    i=$((i + 1))
done
# shellcheck disable=SC2086  # one argument per upstream
python deploy/nginx_conf.py "$address:$PORT" "$run" $upstreams > "$run/nginx.conf"
nginx -p "$run/" -c "$run/nginx.conf" -e stderr -g "daemon off; pid $run/nginx.pid;" &
children="$children $!"

# A child that exits, for whatever reason, takes the container down with it, so that the
# orchestrator restarts it whole rather than leave a class on a half-working server. (POSIX sh
# has no `wait -n`: look once a second; waiting on the `sleep` reaps any child that died.)
while :; do
    for pid in $children; do
        kill -0 "$pid" 2>/dev/null || { echo "start.sh: process $pid exited: stopping" >&2; stop 1; }
    done
    sleep 1 &
    wait $! || true
done
