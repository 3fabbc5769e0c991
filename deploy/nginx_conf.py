"""deploy/nginx.conf rewritten for one machine: its upstreams, listen port and writable paths.

usage: python deploy/nginx_conf.py LISTEN PREFIX UPSTREAM... > nginx.conf   (LISTEN: [address:]port)

deploy/nginx.conf is written for docker-compose (replicas `app1:8501`, `app2:8501`, nginx as
root in its own image). deploy/start.sh runs nginx inside the app's container instead, as the
unprivileged user, in front of replicas on 127.0.0.1; tests/deploy/test_nginx.py runs it on
loopback. Both take the same file through `runtime_conf`, which replaces only the upstream
servers, the listen port, the cache directory and the temporary directories (and, for a test, the
access log), and fails when deploy/nginx.conf no longer has what it replaces: one configuration,
never a second hand-kept copy.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

CONF = Path(__file__).resolve().parent / "nginx.conf"
# nginx's other temporary directories default to /var/lib/nginx, which only root may write.
TEMP_KINDS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def runtime_conf(conf: str, upstreams: list[str], listen: str, prefix: Path | str,
                 server_options: str | None = None, access_log: str | None = None) -> str:
    """Returns `conf` (deploy/nginx.conf's text) with `upstreams` ("host:port") as the replicas,
    `listen` ("8501" or "127.0.0.1:8501") as the address, and the cache and temporary files
    under `prefix`. Each upstream gets `server_options` (default: the first replica's, e.g.
    max_fails); `access_log`, if given, replaces the log's /dev/stdout. Raises ValueError when
    the file no longer has a part this replaces."""
    pattern = re.compile(r"^([ \t]*)server[ \t]+[^\s{]+:\d+([^;]*);[ \t]*\n", flags=re.M)
    first = pattern.search(conf)
    if first is None:
        raise ValueError("deploy/nginx.conf should list the replicas as `server host:port ...;`")
    options = first[2] if server_options is None else f" {server_options}"
    block = "".join(f"{first[1]}server {u}{options};\n" for u in upstreams)
    conf = pattern.sub(lambda m: block if m.start() == first.start() else "", conf)
    replacements = [
        (r"listen\s+80;", f"listen {listen};"),
        (r"proxy_cache_path\s+/var/cache/nginx/", f"proxy_cache_path {prefix}/"),
        (r"http \{\n", "http {\n" + "".join(f"    {kind}_temp_path {prefix}/{kind}_temp;\n"
                                            for kind in TEMP_KINDS)),
    ]
    if access_log is not None:
        replacements.append((r"access_log\s+/dev/stdout\s+plateau;", f"access_log {access_log} plateau;"))
    for old, replacement in replacements:
        conf, found = re.subn(old, lambda _, new=replacement: new, conf, count=1)
        if not found:
            raise ValueError(f"deploy/nginx.conf no longer has /{old}/ to replace")
    return conf


def main(argv: list[str]) -> None:
    if len(argv) < 3:
        sys.exit(__doc__.split("\n\n")[1])
    listen, prefix, upstreams = argv[0], argv[1], argv[2:]
    # The replicas are start.sh's own children: one that stops takes the container down, so
    # nginx never needs to mark one as failed (max_fails=0: never taken out of the hash).
    sys.stdout.write(runtime_conf(CONF.read_text(), upstreams, listen, prefix, "max_fails=0"))


if __name__ == "__main__":
    main(sys.argv[1:])
