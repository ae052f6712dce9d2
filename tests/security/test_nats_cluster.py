"""The NATS cluster admits only NATS servers as routes: real nats-servers run the production
configuration rendered from k8s/ (cluster block, route arguments, users); two of them form a
cluster with the route password, and a server that tries to join without it, or with a wrong
one, is refused and learns nothing. The cluster port is reachable from NATS pods alone."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from secretary_runtime.nats_server import nats_server_binary
from secretary_runtime.ports import free_port

from tests.k8s.test_manifests import render

ROUTE_PASSWORD = secrets.token_hex(24)


def _prod() -> tuple[str, str, list[str]]:
    """nats.conf, auth.conf and the StatefulSet's arguments, as the prod overlay renders them."""
    objects = render("prod")
    maps = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ConfigMap"}
    (auth,) = [m["data"]["auth.conf"] for name, m in maps.items() if name.startswith("nats-auth")]
    (nats,) = [o for o in objects if o["kind"] == "StatefulSet" and o["metadata"]["name"] == "nats"]
    args = nats["spec"]["template"]["spec"]["containers"][0]["args"]
    return maps["nats-config"]["data"]["nats.conf"], auth, list(args)


def _monitor(port: int, what: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/{what}", timeout=2) as answer:
        return dict(json.loads(answer.read()))


def _eventually(check: Callable[[], bool], timeout_s: float = 20) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


class Node:
    def __init__(self, name: str) -> None:
        self.name = name
        self.client, self.monitor, self.cluster = free_port(), free_port(), free_port()


@contextmanager
def _server(
    node: Node, config: str, auth: str, routes: list[str], directory: Path, route_password: str
) -> Iterator[subprocess.Popen[bytes]]:
    folder = directory / node.name
    (folder / "auth").mkdir(parents=True)
    (folder / "auth" / "auth.conf").write_text(auth)
    conf = (
        config.replace("port: 4222", f"port: {node.client}")
        .replace("http: 8222", f"http: {node.monitor}")
        .replace("port: 6222", f"port: {node.cluster}")
        .replace("store_dir: /data", f"store_dir: {folder / 'data'}")
    )
    (folder / "nats.conf").write_text(conf)
    passwords = {name: secrets.token_hex(16) for name in re.findall(r"\$(NATS_PASSWORD_\w+)", auth)}
    env = {"POD_NAME": node.name, "NATS_ROUTE_PASSWORD": route_password, **passwords}
    process = subprocess.Popen(
        [nats_server_binary(), "--config", str(folder / "nats.conf"), "--routes", ",".join(routes)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _eventually(lambda: _monitor(node.monitor, "varz") is not None), node.name
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def _routes_of(rendered_args: list[str], nodes: list[Node], password: str) -> list[str]:
    """The rendered `--routes`, with the password Kubernetes substitutes and each pod's name
    in place of the loopback port its server listens on here."""
    routes = rendered_args[rendered_args.index("--routes") + 1]
    routes = routes.replace("$(NATS_ROUTE_PASSWORD)", password)
    for index, node in enumerate(nodes):
        routes = routes.replace(f"nats-{index}.nats-headless:6222", f"127.0.0.1:{node.cluster}")
    return [r for r in routes.split(",") if "127.0.0.1" in r]


def _route_names(node: Node) -> set[str]:
    return {r.get("remote_name", "") for r in _monitor(node.monitor, "routez?subs=0")["routes"]}


def test_only_servers_with_the_route_password_join_the_cluster(tmp_path: Path) -> None:
    config, auth, args = _prod()
    assert "authorization" in config and "$NATS_ROUTE_PASSWORD" in config
    nodes = [Node("nats-0"), Node("nats-1")]
    routes = _routes_of(args, nodes, ROUTE_PASSWORD)
    with (
        _server(nodes[0], config, auth, routes, tmp_path, ROUTE_PASSWORD),
        _server(nodes[1], config, auth, routes, tmp_path, ROUTE_PASSWORD),
    ):
        assert _eventually(lambda: "nats-1" in _route_names(nodes[0])), "the cluster formed"
        for rogue_name, password in (("rogue-nopass", ""), ("rogue-wrong", "x" * 48)):
            rogue = Node(rogue_name)
            credentials = f"route:{password}@" if password else ""
            rogue_routes = [f"nats-route://{credentials}127.0.0.1:{nodes[0].cluster}"]
            with _server(rogue, config, auth, rogue_routes, tmp_path, password or "y" * 48):
                time.sleep(3)
                assert rogue_name not in _route_names(nodes[0])
                assert _route_names(rogue) <= {""}
                # what the cluster holds is not visible from the rogue server either
                assert _monitor(rogue.monitor, "routez")["num_routes"] == 0


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_the_cluster_port_is_open_to_nats_pods_alone(overlay: str) -> None:
    objects = render(overlay)
    policy = next(
        o for o in objects if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "nats"
    )
    for rule in policy["spec"]["ingress"]:
        ports = {p["port"] for p in rule["ports"]}
        if 6222 in ports:
            assert ports == {6222}
            assert rule["from"] == [
                {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "nats"}}}
            ]


@pytest.mark.parametrize("password", ["CHANGE-ME", "short", ""])
def test_nats_will_not_start_with_a_template_or_short_password(password: str) -> None:
    """The NATS pod's first step, run as Kubernetes runs it (a POSIX shell with the pod's
    environment), refuses a weak route or user password, and passes strong ones."""
    objects = render("prod")
    (nats,) = [o for o in objects if o["kind"] == "StatefulSet" and o["metadata"]["name"] == "nats"]
    (check,) = nats["spec"]["template"]["spec"]["initContainers"]
    strong = {e["name"]: secrets.token_hex(24) for e in check["env"] if "PASSWORD" in e["name"]}
    script = [*check["command"], *check["args"]]
    passed = subprocess.run(script, env=strong, capture_output=True, text=True)
    assert passed.returncode == 0, passed.stderr
    weak = {**strong, "NATS_ROUTE_PASSWORD": password}
    refused = subprocess.run(script, env=weak, capture_output=True, text=True)
    assert refused.returncode == 1 and "NATS_ROUTE_PASSWORD" in refused.stderr
