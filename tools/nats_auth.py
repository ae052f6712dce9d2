"""Renders k8s/base/nats/auth.conf, the NATS users and their permissions, from the access table
in the contracts; each password is a variable that nats-server takes from its environment.

`python tools/nats_auth.py > k8s/base/nats/auth.conf` (`make schemas`); a test fails when it
drifts.
"""

from __future__ import annotations

import sys

from secretary_runtime.nats_auth import authorization_config


def render() -> str:
    return authorization_config()


if __name__ == "__main__":
    sys.stdout.write(render())
