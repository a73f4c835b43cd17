"""Open data and VoIP signatures (云开发-其他): what a cloudID stands for, and the signature of a
real-time voice room.

On every client as ``client.open_data``::

    items = await client.open_data.get(["cloud-id"], openid=openid)
    signature = await client.open_data.voip_sign("room-1", int(time.time()), nonce)

What WeChat's pages say (miniprogram server API ``cloudbase/others``), and what wxtcb does:

- The path is ``wxa/getopendata`` and ``wxa/getvoipsign`` on every official page and in the
  "云开发-其他" index; some .NET SDKs call ``tcb/…``, which the pages never name.
- Both take the app's own ``access_token`` or a merchant's ``authorizer_access_token``.
- ``openid`` (optional) travels in the query string ("用户openid", needed for sensitive data; the
  voip page's sample sends it the same way without listing it in its table). It is personal
  data: hidden from the method object's repr, masked in every request summary (errors, logs)
  and in any errmsg that echoes it.
- ``wxa/getopendata``: body ``cloudid_list``. Each answer item's ``json`` is typed a string (JSON
  text) by the table but is an object in the sample: both are read, decoded. Open data is
  personal (steps, phone numbers…): `OpenDataItem.json` is hidden from its repr.
- ``wxa/getvoipsign``: ``group_id`` (the room), ``timestamp`` (Unix seconds), ``nonce`` (under
  128 characters); the answer is ``signature``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import attrs

from wxtcb.errors import InvalidRequestError
from wxtcb.methods import Endpoint, Method
from wxtcb.namespaces import Namespace, endpoint
from wxtcb.validators import non_empty
from wxtcb.wire import wire

__all__ = ["MAX_NONCE", "GetOpenData", "GetVoipSign", "OpenData", "OpenDataItem"]

_DOCS = "https://developers.weixin.qq.com/miniprogram/dev/server/API/cloudbase/others/"
#: ``nonce`` must be shorter than this ("长度小于 128").
MAX_NONCE = 128


@attrs.frozen
class OpenDataItem:
    """What one cloudID stands for (an item of ``data_list``).

    Attributes:
        cloud_id: The cloudID asked for.
        json: The open data, decoded (``{"cloudID": …, "data": {…}}`` in WeChat's sample): sent as
            JSON text or as the object itself, both read. Personal data: hidden from the repr.
    """

    cloud_id: str = ""
    json: Any = attrs.field(default=None, repr=False, metadata=wire(json_text=True))


def _openid(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        non_empty(_, attribute, value)


def _cloud_ids(value: Iterable[str]) -> list[str]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidRequestError("cloud_ids must be a list of cloudID strings, not one string")
    ids = list(value)
    if not ids or not all(isinstance(i, str) and i.strip() for i in ids):
        raise InvalidRequestError("cloud_ids must be a non-empty list of non-empty strings")
    return ids


@attrs.frozen
class GetOpenData(Method[list[OpenDataItem]]):
    """What each cloudID of *cloud_ids* stands for, in order.

    Attributes:
        cloud_ids: ``cloudid_list``, the cloudIDs the mini program got: a non-empty list of
            non-empty strings.
        openid: ``openid`` in the query string, the user's openid (needed for sensitive data);
            left out when None. Personal data: hidden from the repr and from every error.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "wxa/getopendata", result_key="data_list", doc=_DOCS + "api_getopendata.html"
    )

    cloud_ids: list[str] = attrs.field(converter=_cloud_ids, metadata=wire("cloudid_list"))
    openid: str | None = attrs.field(default=None, repr=False, validator=_openid, metadata=wire(query=True))


def _timestamp(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRequestError("timestamp must be whole Unix seconds (a non-negative integer)")


def _nonce(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    non_empty(_, attribute, value)
    assert isinstance(value, str)
    if len(value) >= MAX_NONCE:
        raise InvalidRequestError(f"nonce must be shorter than {MAX_NONCE} characters")


@attrs.frozen
class GetVoipSign(Method[str]):
    """The signature of real-time voice room *group_id* for *nonce* at *timestamp*.

    Attributes:
        group_id: ``group_id``, the room (non-empty).
        timestamp: ``timestamp``, when the nonce was made: whole Unix seconds.
        nonce: ``nonce``, a random string: 1 to 127 characters.
        openid: ``openid`` in the query string, the user's openid; left out when None. Personal
            data: hidden from the repr and from every error.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "wxa/getvoipsign", result_key="signature", doc=_DOCS + "api_getcloudbasevoipsign.html"
    )

    group_id: str = attrs.field(validator=non_empty)
    timestamp: int = attrs.field(validator=_timestamp)
    nonce: str = attrs.field(validator=_nonce)
    openid: str | None = attrs.field(default=None, repr=False, validator=_openid, metadata=wire(query=True))


class OpenData(Namespace):
    """``client.open_data``: open data behind cloudIDs, and VoIP signatures."""

    __slots__ = ()

    get = endpoint(GetOpenData)
    voip_sign = endpoint(GetVoipSign)
