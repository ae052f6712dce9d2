"""The permissions each service gets on NATS are those of the consumers and subscriptions its
process really registers (built as tools/asyncapi.py builds them), and the cluster's NATS
configuration is the one generated from them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from faststream.nats import NatsBroker
from secretary_contracts.access import ACCESS_OF
from secretary_runtime.nats_auth import authorization_config

from tools import asyncapi, nats_auth

ROOT = Path(__file__).resolve().parents[1]


def _registered(broker: NatsBroker) -> tuple[set[tuple[str, str, str]], set[str]]:
    """Its durable consumers (stream, durable, filter) and its plain subscriptions."""
    durables, plain = set(), set()
    for subscriber in broker.subscribers:
        registered: Any = subscriber  # a NATS subscriber: subject, stream and options
        subject = registered.subject.broker_address
        durable = (registered.extra_options or {}).get("durable")
        if durable:
            durables.add((registered.stream.name, durable, subject))
        else:
            plain.add(subject)
    return durables, plain


def test_each_service_is_allowed_exactly_the_consumers_it_registers() -> None:
    brokers = asyncapi.service_brokers()
    assert set(brokers) == set(ACCESS_OF)
    for name, broker in brokers.items():
        access = ACCESS_OF[name]
        durables, plain = _registered(broker)
        allowed = {(c.stream, c.durable, c.subject.filter) for c in access.consumes}
        assert durables == allowed, name
        assert plain == {s.filter for s in access.listens}, name


def test_the_cluster_nats_configuration_is_generated_from_the_access_table() -> None:
    committed = (ROOT / "k8s" / "base" / "nats" / "auth.conf").read_text()
    assert committed == nats_auth.render() == authorization_config()
