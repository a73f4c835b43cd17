"""How method objects become one-line, exactly typed client methods, grouped by domain.

A domain declares its namespace as a class of `endpoint` descriptors::

    class MessagePush(Namespace):
        get_callback_config = endpoint(GetCallbackConfig)

and the client carries it (``client.message_push``). ``client.message_push.get_callback_config()``
takes the method object's constructor arguments and returns its result type, both checked by
mypy at the call site (the descriptor's type is ``Callable[P, Awaitable[T]]`` with ``P`` the
method's ``__init__`` and ``T`` its ``Method[T]`` parameter). Bad arguments raise
`InvalidRequestError` when the method object is built, before anything is sent.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, Protocol, TypeVar, cast, overload

import attrs

from wxtcb.methods import Method

if TYPE_CHECKING:
    from wxtcb.pipeline import Pipeline

__all__ = ["Namespace", "Sender", "endpoint", "engine_of", "namespace"]

P = ParamSpec("P")
T = TypeVar("T")
N = TypeVar("N", bound="Namespace")


class Sender(Protocol):
    """Anything that sends method objects: a `wxtcb.Client`."""

    def __call__(self, method: Method[T]) -> Awaitable[T]: ...


def engine_of(send: Sender) -> Pipeline:
    """The engine behind a namespace's sender, for a domain that sends more than method objects.

    *send* is what the namespace was built with: a bound method of an object with a public
    ``engine()`` method (`wxtcb.Client.engine`, `wxtcb.Platform.engine`, or a sender of a domain's
    own that delegates to one). The engine's public attributes (``transport``, ``timeout``,
    ``retry``, ``observer``) are what a domain may use. Raises `TypeError` for a sender with no
    engine (a plain function), and `RuntimeError` when the client is closed.
    """
    engine = getattr(getattr(send, "__self__", None), "engine", None)
    if engine is None:
        raise TypeError("this call needs a wxtcb.Client or wxtcb.Platform (its engine), not a bare sender")
    return cast("Pipeline", engine())


class endpoint(Generic[P, T]):
    """A namespace method that builds *method* from its arguments and sends it.

    Attributes:
        method: The method object's class (or any callable building one) that the namespace method sends.
        name: The attribute name it was given on its namespace.
    """

    def __init__(self, method: Callable[P, Method[T]]) -> None:
        self.method = method
        self.name = ""
        self.__doc__ = method.__doc__
        # A method class without fields (slotted, no __init__ hook) builds objects that are all
        # equal and hold no state: one is built here and sent by every call.
        self._constant: Method[T] | None = None
        cls: Any = method
        plain = isinstance(cls, type) and attrs.has(cls) and not hasattr(cls, "__attrs_post_init__")
        if plain and not attrs.fields(cls):
            constant = cls()
            if not hasattr(constant, "__dict__"):
                self._constant = constant

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> endpoint[P, T]: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> Callable[P, Awaitable[T]]: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        build = self.method
        constant = self._constant
        send: Sender = obj._send  # type: ignore[attr-defined]

        # Not a coroutine function: the call returns the client's own coroutine, so a namespace
        # adds no coroutine layer to the hot path.
        def call(*args: P.args, **kwargs: P.kwargs) -> Awaitable[T]:
            if constant is not None and not args and not kwargs:
                return send(constant)
            return send(build(*args, **kwargs))

        call.__name__ = call.__qualname__ = self.name
        call.__doc__ = self.__doc__
        return call


class Namespace:
    """Base of a domain's namespace: a view of a client, costing one small object per access."""

    __slots__ = ("_send",)

    def __init__(self, send: Sender) -> None:
        self._send = send


class namespace(Generic[N]):
    """Puts a domain's `Namespace` on a client: ``client.<name>`` is that namespace of the client.

    *cls* is the class, or where it lives as ``"module:Class"``: then its module is imported on
    the first access, so a program that never touches the domain never loads it. Annotate the
    attribute for type checkers: ``storage: namespace[Storage] = namespace("wxtcb.storage:Storage")``.
    """

    def __init__(self, cls: type[N] | str) -> None:
        self._cls: type[N] | None = None
        self._where = ""
        if isinstance(cls, str):
            self._where = cls
            # Until its first access the class's own docstring is not loaded: say where it is.
            where = cls.replace(":", ".")
            self.__doc__ = f"The `{where}` namespace (its module is imported on first access)."
        else:
            self._cls = cls
            self.__doc__ = cls.__doc__

    @property
    def cls(self) -> type[N]:
        """The `Namespace` class built for each access (its module imported now if it was not)."""
        if self._cls is None:
            module, _, name = self._where.partition(":")
            self._cls = getattr(importlib.import_module(module), name)
            self.__doc__ = self._cls.__doc__
        return self._cls

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> namespace[N]: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> N: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return (self._cls or self.cls)(obj._send)  # type: ignore[attr-defined]
