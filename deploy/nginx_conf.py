"""deploy/nginx.conf rewritten for one machine: its upstreams, listen port and writable paths.

usage: python deploy/nginx_conf.py LISTEN PREFIX UPSTREAM... > nginx.conf   (LISTEN: [address:]port)
       python deploy/nginx_conf.py --replicas UPSTREAM...   (deploy/nginx.conf rewritten in place)

deploy/nginx.conf is written for docker-compose (replicas `app1:8501`, `app2:8502`, nginx as
root in its own image); `--replicas` writes its replicas anew, for a compose file with more.
deploy/start.sh runs nginx inside the app's container instead, as the unprivileged user, in
front of replicas on 127.0.0.1; tests/deploy/test_nginx.py runs it on loopback. Both take the
same file through `runtime_conf`, which replaces only the replicas, the listen port, the cache
directory and the temporary directories (and, for a test, the access log), and fails when
deploy/nginx.conf no longer has what it replaces: one configuration, never a second hand-kept
copy.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

CONF = Path(__file__).resolve().parent / "nginx.conf"
# nginx's other temporary directories default to /var/lib/nginx, which only root may write.
TEMP_KINDS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


BEGIN = "    # -- the replicas: deploy/nginx_conf.py writes this part from their list (start.sh, tests) --\n"
END = "    # -- end of the replicas --\n"


def replicas_block(upstreams: list[str], options: str) -> str:
    """Returns the part of nginx.conf that names the replicas ("host:port", each on a port of its
    own: the route cookie names a replica by its port), each `server` with `options`: the
    group that takes browsers without a cookie in turns, one group a replica (the others its backups),
    and the map from the cookie to the group. Raises ValueError when two share a port."""
    ports = [u.rsplit(":", 1)[1] for u in upstreams]
    if not upstreams or len(set(ports)) != len(ports) or not all(p.isdigit() for p in ports):
        raise ValueError(f"each replica needs a port of its own: {upstreams}")
    options = f" {options}" if options else ""
    lines = ["    upstream plateau {",
             "        zone plateau 64k;  # one round of turns for all of nginx's workers"]
    lines += [f"        server {u}{options};" for u in upstreams]
    lines += ["    }", "    # One group a replica, the others as its backups (a browser whose replica is "
              "down is served", "    # elsewhere, and its cookie then names where: see "
              "$plateau_route_cookie)."]
    for upstream, port in zip(upstreams, ports):
        lines += [f"    upstream plateau_{port} {{", f"        server {upstream}{options};"]
        lines += [f"        server {other}{options} backup;" for other in upstreams if other != upstream]
        lines += ["    }"]
    lines += ["    map $cookie_plateau_route $plateau_upstream {", "        default plateau;"]
    lines += [f"        {port:<7} plateau_{port};" for port in ports]
    lines += ["    }"]
    return "\n".join(lines) + "\n"


def with_replicas(conf: str, upstreams: list[str], server_options: str | None = None) -> str:
    """Returns `conf` with only its replicas written anew, each with `server_options` (default:
    the first replica's). Raises ValueError when the file no longer marks them."""
    if BEGIN not in conf or END not in conf:
        raise ValueError("deploy/nginx.conf should mark its replicas with the lines BEGIN and END")
    start, end = conf.index(BEGIN) + len(BEGIN), conf.index(END)
    first = re.search(r"^[ \t]*server[ \t]+[^\s{]+:\d+([^;]*);", conf[start:end], flags=re.M)
    if first is None:
        raise ValueError("deploy/nginx.conf should list the replicas as `server host:port ...;`")
    options = first[1].strip() if server_options is None else server_options
    return conf[:start] + replicas_block(upstreams, options) + conf[end:]


def runtime_conf(conf: str, upstreams: list[str], listen: str, prefix: Path | str,
                 server_options: str | None = None, access_log: str | None = None) -> str:
    """Returns `conf` (deploy/nginx.conf's text) with `upstreams` ("host:port") as the replicas,
    `listen` ("8501" or "127.0.0.1:8501") as the address, and the cache and temporary files
    under `prefix`. Each upstream gets `server_options` (default: the first replica's, e.g.
    max_fails); `access_log`, if given, replaces the log's /dev/stdout. Raises ValueError when
    the file no longer has a part this replaces."""
    conf = with_replicas(conf, upstreams, server_options)
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
    if argv[:1] == ["--replicas"] and len(argv) > 1:
        CONF.write_text(with_replicas(CONF.read_text(), argv[1:]))
        return
    if len(argv) < 3:
        sys.exit(__doc__.split("\n\n")[1])
    listen, prefix, upstreams = argv[0], argv[1], argv[2:]
    # The replicas are start.sh's own children: one that stops takes the container down, so
    # nginx never needs to mark one as failed (max_fails=0: never taken out of the balancing).
    sys.stdout.write(runtime_conf(CONF.read_text(), upstreams, listen, prefix, "max_fails=0"))


if __name__ == "__main__":
    main(sys.argv[1:])
