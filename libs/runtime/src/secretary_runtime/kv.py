"""Reading many keys of a KV bucket at once."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue
from secretary_contracts.messaging import bucket_stream


async def keys_written(js: JetStreamContext, bucket: str, keys: str) -> list[str]:
    """The keys matching the subject filter `keys` (`<prefix>.>`) that hold a value or the
    marker of a deletion, as the server lists them. (`KeyValue.keys(filters=...)` lists every
    key and matches substrings on the client, and a watcher's "no more" marker can come
    before the values it was already sent.)"""
    prefix = f"$KV.{bucket}."
    info = await js.stream_info(bucket_stream(bucket), subjects_filter=f"{prefix}{keys}")
    return sorted(subject.removeprefix(prefix) for subject in info.state.subjects or {})


async def live_entries(js: JetStreamContext, bucket: str, keys: str) -> list[KeyValue.Entry]:
    """The entries matching `keys` that hold a value."""
    kv = await js.key_value(bucket)
    entries = []
    for key in await keys_written(js, bucket, keys):
        try:
            entries.append(await kv.get(key))
        except KeyNotFoundError:  # deleted: its marker stays until purged
            continue
    return entries


async def forget(kv: KeyValue, key: str) -> None:
    """Deletes the key unless it is already gone (without writing another marker)."""
    try:
        await kv.get(key)
    except KeyNotFoundError:
        return
    await kv.delete(key)
