"""An owner's voiceprints in the `voiceprints` KV bucket, one key per person: the gateway
writes them, merge reads them (ADR 0008). However many people an owner names, no value grows
past one person's bounded embeddings."""

from __future__ import annotations

from nats.js import JetStreamContext
from secretary_contracts.messaging import BUCKETS, owner_key, voiceprint_key
from secretary_contracts.voiceprints import StoredVoiceprint, VoiceprintPerson

from secretary_runtime.kv import forget, live_entries


async def people_of(js: JetStreamContext, owner: str) -> list[VoiceprintPerson]:
    """The owner's people as the gateway last wrote them; none when it never did."""
    people: list[VoiceprintPerson] = []
    for entry in await live_entries(js, BUCKETS.voiceprints, f"{owner_key(owner)}.>"):
        stored = StoredVoiceprint.model_validate_json(entry.value or b"{}")
        if stored.owner == owner:  # the key is the owner's: anyone else's is never used
            people.append(VoiceprintPerson.model_validate(stored.model_dump(exclude={"owner"})))
    return people


async def store_people(js: JetStreamContext, owner: str, people: list[VoiceprintPerson]) -> None:
    """The owner's people become exactly `people`: a person whose value changed is written
    under their key (renaming one of sixty writes one), the keys of people no longer there
    deleted."""
    kv = await js.key_value(BUCKETS.voiceprints)
    stored = {
        entry.key: entry.value
        for entry in await live_entries(js, BUCKETS.voiceprints, f"{owner_key(owner)}.>")
    }
    for person in people:
        key = voiceprint_key(owner, person.person_id)
        value = StoredVoiceprint(owner=owner, **person.model_dump()).model_dump_json().encode()
        if stored.pop(key, None) != value:
            await kv.put(key, value)
    for gone in stored:
        await kv.delete(gone)
    await forget(kv, owner_key(owner))  # the one value per owner of earlier versions
