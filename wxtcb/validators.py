"""attrs validators the domains' method objects share: bad input refused before anything is sent.

Each raises `InvalidRequestError` naming the field, never repeating the value (it may be a
credential).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from wxtcb.errors import InvalidRequestError

__all__ = ["env_id", "member_of", "non_empty"]

E = TypeVar("E", bound=enum.Enum)


def non_empty(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """The field must be a string with something besides spaces."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError(f"{attribute.name} must be a non-empty string")


def env_id(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """The field must be a CloudBase environment id (a non-empty string)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError(f"{attribute.name} must be a non-empty CloudBase environment id")


def member_of(cls: type[E], name: str) -> Callable[[object], E]:
    """An attrs converter to a member of the enum *cls* (from a member or its value), refusing
    anything else with `InvalidRequestError` that names the field *name* and the allowed values."""

    def convert(value: object) -> E:
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(repr(m.value) for m in cls)
            raise InvalidRequestError(f"{name} must be one of {allowed}") from None

    return convert
