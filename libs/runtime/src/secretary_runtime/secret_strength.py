"""Secrets a service refuses to start with: a value copied from a template, one too short to
resist guessing, or none at all where the deployment runs for real. The error names the
setting, so an operator knows which Secret to fill."""

from __future__ import annotations

import re

from pydantic import SecretStr

# the words templates and examples put where a secret belongs, compared without case and
# without separators ("CHANGE-ME", "change_me", "ChangeMe" are one)
TEMPLATE_WORDS = frozenset(
    {
        "changeme",
        "changethis",
        "replaceme",
        "secret",
        "password",
        "passwd",
        "example",
        "default",
        "todo",
        "fixme",
        "test",
        "xxx",
        "none",
        "null",
        "empty",
    }
)
_SEPARATORS = re.compile(r"[\s_\-.:/<>{}\[\]()*]+")
HOW_TO_MAKE_ONE = "make one with `openssl rand -hex 32`"


class WeakSecretError(ValueError):
    """A secret setting holds a value no one should run with."""


def _setting(field: str) -> str:
    return f"SECRETARY_{field.upper()}"


def is_template(value: str) -> bool:
    folded = _SEPARATORS.sub("", value).lower()
    if folded in TEMPLATE_WORDS:
        return True
    # a placeholder of one repeated character ("xxxxxxxx", "00000000")
    return len(folded) >= 8 and len(set(folded)) == 1


def check_secret(
    field: str, secret: SecretStr | None, *, min_length: int = 0, required: bool = False
) -> None:
    """Raises `WeakSecretError` naming `SECRETARY_<FIELD>` when the secret is a template
    value, shorter than `min_length`, or missing while `required`."""
    value = secret.get_secret_value() if secret is not None else ""
    name = _setting(field)
    if not value:
        if required:
            raise WeakSecretError(
                f"{name} is empty; a production deployment needs it set: {HOW_TO_MAKE_ONE}."
            )
        return
    if is_template(value):
        raise WeakSecretError(f"{name} holds a template value, not a secret: {HOW_TO_MAKE_ONE}.")
    if len(value) < min_length:
        raise WeakSecretError(
            f"{name} has {len(value)} characters, fewer than the {min_length} it needs:"
            f" {HOW_TO_MAKE_ONE}."
        )
