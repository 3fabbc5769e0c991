"""deploy/nginx_conf.py: the replicas part of nginx.conf is written from a list, and the file
docker-compose ships is that list's (app1 and app2 on their own ports, as the compose file has)."""

from __future__ import annotations

import pytest
import yaml

from deploy.nginx_conf import BEGIN, CONF, END, replicas_block, runtime_conf, with_replicas
from tests.harness.server import ROOT


def compose_replicas() -> list[str]:
    """Returns the compose file's app services as host:port, in order."""
    services = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())["services"]
    return [f"{name}:{service['environment']['PORT']}" for name, service in services.items()
            if name != "nginx"]


def test_the_shipped_conf_names_the_compose_files_replicas_as_the_generator_writes_them():
    conf = CONF.read_text()
    shipped = conf[conf.index(BEGIN) + len(BEGIN):conf.index(END)]
    assert compose_replicas() == ["app1:8501", "app2:8502"]
    assert shipped == replicas_block(compose_replicas(), "max_fails=3 fail_timeout=10s")
    assert with_replicas(conf, compose_replicas()) == conf


def test_each_replica_gets_its_group_with_the_others_as_backups_and_a_cookie_value():
    block = replicas_block(["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"], "max_fails=0")
    assert "upstream plateau_9002 {\n        server 127.0.0.1:9002 max_fails=0;\n" \
           "        server 127.0.0.1:9001 max_fails=0 backup;\n" \
           "        server 127.0.0.1:9003 max_fails=0 backup;\n    }" in block
    assert block.count("backup;") == 6
    for port in (9001, 9002, 9003):
        assert f"        {port}    plateau_{port};" in block


@pytest.mark.parametrize("upstreams", [[], ["a:8501", "b:8501"], ["a:http"]])
def test_replicas_that_a_cookie_could_not_tell_apart_are_refused(upstreams):
    with pytest.raises(ValueError, match="port of its own"):
        replicas_block(upstreams, "")


def test_a_conf_without_the_marks_is_refused(tmp_path):
    with pytest.raises(ValueError, match="mark its replicas"):
        runtime_conf(CONF.read_text().replace(BEGIN, ""), ["127.0.0.1:9001"], "8080", tmp_path)
