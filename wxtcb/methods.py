"""Endpoints as frozen attrs method objects: what to call, with what, and what comes back.

A method object is inspectable data (tests and hooks can assert on it). Its attrs fields are the
request's wire fields (body by default; `wxtcb.wire.wire` declares query parameters, a raw body,
other JSON keys). Everything else lives where no wire field can collide with it: the dunder
`__endpoint__` (path, token kind, idempotency, doc URL) and the return type, taken from the
generic parameter::

    @attrs.frozen
    class GetCallbackConfig(Method[CallbackConfig]):
        __endpoint__ = Endpoint("tcb/getcallbackconfig", result_key="data", doc="https://…")

`await client(GetCallbackConfig())` sends one; a domain's namespace gives it a one-line method.
"""

from __future__ import annotations

import enum
import types
import typing
from typing import Any, ClassVar, Generic, TypeVar

import attrs

__all__ = ["Endpoint", "Method", "TokenKind"]

T_co = TypeVar("T_co", covariant=True)


class TokenKind(enum.Enum):
    """The kind of token an endpoint takes, and a provider gives."""

    #: The app's own ``access_token``, a merchant's ``authorizer_access_token``, or cloud-run's
    #: ``cloudbase_access_token`` / open-API relay: what ``tcb/*`` and most APIs take.
    ACCESS = "access"
    #: The third-party platform's ``component_access_token`` (``componenttcb/*``,
    #: ``cgi-bin/component/*``).
    COMPONENT = "component"
    #: No token at all (the token endpoints themselves).
    NONE = "none"


@attrs.frozen
class Endpoint:
    """What a method object calls and how: declared once per method class as ``__endpoint__``.

    Attributes:
        path: The API path below the base URL, e.g. ``"tcb/getcallbackconfig"``.
        token: The `TokenKind` it takes; a provider of another kind is refused before any I/O.
        idempotent: Whether sending it twice has the effect of sending it once, so that a
            transient failure may be retried. A call with effects (invoking a function, adding
            documents) is never resent.
        doc: WeChat's page for the endpoint.
        http_method: ``"POST"`` (almost everything) or ``"GET"``.
        result_key: The key of the answer that holds the result; None means the whole object.
    """

    path: str
    token: TokenKind = TokenKind.ACCESS
    idempotent: bool = True
    doc: str = ""
    http_method: str = "POST"
    result_key: str | None = None

    @property
    def token_endpoint(self) -> bool:
        """An endpoint that takes no token hands them out: there errcode 40001 means a wrong secret."""
        return self.token is TokenKind.NONE


class Method(Generic[T_co]):
    """Base of all method objects; subclasses are ``@attrs.frozen`` and declare ``__endpoint__``.

    ``__returns__`` is the generic parameter (``Method[CallbackConfig]`` returns a
    `CallbackConfig`; ``Method[None]`` returns nothing beyond errcode). A class whose result the
    converter cannot build (JSON text that may not be JSON, EJSON values) defines a static
    ``__decode__(value)`` that turns the answer (its ``result_key`` value) into the result.
    ``__idempotent__`` is the endpoint's `Endpoint.idempotent` unless an instance decides for
    itself (a database update that increments is never resent; one that sets is).
    """

    __slots__ = ()

    __endpoint__: ClassVar[Endpoint]
    __returns__: ClassVar[Any] = None

    @property
    def __idempotent__(self) -> bool:
        """Whether this call may be resent after a transient failure."""
        return self.__endpoint__.idempotent

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            if typing.get_origin(base) is Method:
                (returns,) = typing.get_args(base)
                cls.__returns__ = None if returns is types.NoneType or returns is None else returns
