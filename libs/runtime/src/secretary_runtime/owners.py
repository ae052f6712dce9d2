"""An owner's settings in the `owner-settings` KV bucket: written by either front door, read by
prepare when a recording names no language of its own."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError
from secretary_contracts import OwnerSettings
from secretary_contracts.messaging import BUCKETS, owner_key


async def read_owner_settings(js: JetStreamContext, owner: str) -> OwnerSettings:
    kv = await js.key_value(BUCKETS.owner_settings)
    try:
        entry = await kv.get(owner_key(owner))
    except KeyNotFoundError:
        return OwnerSettings()
    return OwnerSettings.model_validate_json(entry.value or b"{}")


async def write_owner_settings(js: JetStreamContext, owner: str, settings: OwnerSettings) -> None:
    kv = await js.key_value(BUCKETS.owner_settings)
    await kv.put(owner_key(owner), settings.model_dump_json().encode())
