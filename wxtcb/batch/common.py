"""What the batch modules share: WeChat's page addresses, the field checks and the spelling fixes.

Not part of the public API of `wxtcb.batch` (the names are public so that each batch module can use
them without reaching into another's private names).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import attrs

from wxtcb.errors import InvalidRequestError

OPLATFORM_DOCS = "https://developers.weixin.qq.com/doc/oplatform/"
BATCH_DOCS = OPLATFORM_DOCS + "openApi/OpenApiDoc/cloudbase-batch/"
EN_BATCH_DOCS = OPLATFORM_DOCS + "en/openApi/OpenApiDoc/cloudbase-batch/"
EN_RUN_DOCS = OPLATFORM_DOCS + "en/openApi/OpenApiDoc/cloudrun-batch/cloudenv-mgnt/"
THIRD_PARTY_DOCS = OPLATFORM_DOCS + "Third-party_Platforms/2.0/api/cloudbase/batch/"

ALIAS_PATTERN = re.compile(r"[a-z][a-zA-Z0-9-]*")

T = TypeVar("T")


# --- validation -----------------------------------------------------------------------------


def alias_field(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not ALIAS_PATTERN.fullmatch(value):
        raise InvalidRequestError("alias must start with a-z and hold only a-z, A-Z, 0-9 and '-'")


def optional_alias_field(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        alias_field(instance, attribute, value)


def string_list(value: Iterable[str]) -> list[str]:
    if isinstance(value, str | bytes):
        raise InvalidRequestError("expected a list of strings, not one string")
    items = list(value)
    if not all(isinstance(i, str) and i.strip() for i in items):
        raise InvalidRequestError("every item must be a non-empty string")
    return items


def optional_string_list(value: Iterable[str] | None) -> list[str] | None:
    return None if value is None else string_list(value)


def non_empty_list(_: object, attribute: attrs.Attribute[Any], value: Iterable[object]) -> None:
    if not value:
        raise InvalidRequestError(f"{attribute.name} is empty")


def optional_text_field(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InvalidRequestError(f"{attribute.name} must be a non-empty string or None")


def optional_string_field(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise InvalidRequestError(f"{attribute.name} must be a string or None")


def source_type_field(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidRequestError("source_type must be an integer (1: a cloud-run environment) or None")


def renamed(value: object, key: str, *aliases: str) -> object:
    """*value* with *key* filled from the first of *aliases* present when *key* is absent."""
    if isinstance(value, Mapping) and key not in value:
        for alias in aliases:
            if alias in value:
                return {**value, key: value[alias]}
    return value


def items_renamed(value: object, key: str, alias: str) -> object:
    if isinstance(value, list):
        return [renamed(item, key, alias) for item in value]
    return value
