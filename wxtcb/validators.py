"""attrs validators the domains' method objects share: bad input refused before anything is sent.

Each raises `InvalidRequestError` naming the field, never repeating the value (it may be a
credential).
"""

from __future__ import annotations

from typing import Any

import attrs

from wxtcb.errors import InvalidRequestError

__all__ = ["env_id", "non_empty"]


def non_empty(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """The field must be a string with something besides spaces."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError(f"{attribute.name} must be a non-empty string")


def env_id(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """The field must be a CloudBase environment id (a non-empty string)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError(f"{attribute.name} must be a non-empty CloudBase environment id")
