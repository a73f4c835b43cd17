"""The errors a statement meets: WeChat's errcodes and `DocDBError`, which carries one."""

from __future__ import annotations

from typing import Final, NoReturn

__all__ = [
    "COLLECTION_NOT_EXISTS",
    "INVALID_PARAMETER",
    "MISSING_PARAMETER",
    "DocDBError",
    "invalid",
    "required",
]

#: -502005: the collection does not exist.
COLLECTION_NOT_EXISTS: Final = -502005
#: -501007: CloudBase's generic parameter error.
INVALID_PARAMETER: Final = -501007
#: 40101: a required parameter is missing.
MISSING_PARAMETER: Final = 40101


class DocDBError(Exception):
    """A statement WeChat would refuse; `answer` is the wire answer to send back."""

    def __init__(self, errcode: int, errmsg: str, *, collection: str | None = None) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        #: The collection that does not exist (`COLLECTION_NOT_EXISTS`), for a helpful message.
        self.collection = collection

    def answer(self) -> dict[str, object]:
        """The wire answer: ``{"errcode": ..., "errmsg": ...}``."""
        return {"errcode": self.errcode, "errmsg": self.errmsg}


def invalid(message: str) -> NoReturn:
    """Refuse the statement with `INVALID_PARAMETER` and *message*."""
    raise DocDBError(INVALID_PARAMETER, message)


def required(value: object, name: str) -> str:
    """*value* when it is a non-empty string, else refuse with `MISSING_PARAMETER` naming *name*."""
    if not isinstance(value, str) or not value:
        raise DocDBError(MISSING_PARAMETER, f"missing required parameter: {name}")
    return value
