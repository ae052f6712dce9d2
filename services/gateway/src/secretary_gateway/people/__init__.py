"""People an owner named, and the voiceprints they are recognised by (ADR 0008)."""
