"""WeChat's encrypted pushes: verify, decrypt and encrypt them, and record component_verify_ticket.

WeChat POSTs the ticket to a third-party platform every 10 minutes as encrypted XML. The scheme
(WeChat's "消息加解密" page): the AES key is the 43-character EncodingAESKey base64-decoded;
AES-256-CBC with the key's first 16 bytes as IV; the plaintext is 16 random bytes, the message
length as 4 big-endian bytes, the message, then the appid, PKCS#7-padded to 32 bytes; the
signature is the SHA-1 of the sorted token, timestamp, nonce and ciphertext.

Needs the ``cryptography`` package: ``pip install 'wxtcb[component]'``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import time
from typing import TYPE_CHECKING

import attrs

from wxtcb.errors import InvalidRequestError, InvalidSignatureError
from wxtcb.safexml import UnsafeXMLError, parse_untrusted

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    from wxtcb.tokens.component import ComponentTokenProvider

__all__ = [
    "PushCrypto",
    "TicketPush",
    "parse_push",
    "record_ticket",
    "record_ticket_push",
    "ticket_push",
]

_BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16
#: The largest push XML parsed, envelope or decrypted message (WeChat's are a few hundred bytes).
_MAX_PUSH_XML = 64 * 1024


@attrs.frozen
class TicketPush:
    """A decrypted ``component_verify_ticket`` push.

    Attributes:
        app_id: ``AppId``, the component appid the push is for.
        create_time: ``CreateTime``, when WeChat sent it (Unix seconds).
        info_type: ``InfoType``, ``"component_verify_ticket"``.
        ticket: ``ComponentVerifyTicket``, the ticket itself (hidden from the repr).
    """

    app_id: str
    create_time: int
    info_type: str
    ticket: str = attrs.field(repr=False)


class PushCrypto:
    """Verify, decrypt and encrypt WeChat pushes for one platform (or one mini program).

    Args:
        token: The push Token configured on the platform (used for the signature).
        encoding_aes_key: The 43-character EncodingAESKey.
        appid: The appid pushes must carry (the component appid for a third-party platform).

    Attributes:
        appid: The appid pushes must carry, as given.
    """

    __slots__ = ("_key", "_token", "appid")

    def __init__(self, *, token: str, encoding_aes_key: str, appid: str) -> None:
        if not isinstance(token, str) or not isinstance(appid, str) or not token or not appid:
            raise InvalidRequestError("token and appid must be non-empty strings")
        if not isinstance(encoding_aes_key, str) or len(encoding_aes_key) != 43:
            raise InvalidRequestError("encoding_aes_key must be the 43-character EncodingAESKey")
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except ValueError:
            raise InvalidRequestError("encoding_aes_key is not valid base64") from None
        try:
            import cryptography  # noqa: F401
        except ImportError:  # pragma: no cover - depends on the installation
            raise ImportError("PushCrypto needs cryptography: pip install 'wxtcb[component]'") from None
        self._key = key
        self._token = token
        self.appid = appid

    def __repr__(self) -> str:
        return f"<PushCrypto appid={self.appid}>"

    def signature(self, timestamp: str, nonce: str, encrypted: str) -> str:
        """WeChat's msg_signature of one push."""
        return hashlib.sha1("".join(sorted([self._token, timestamp, nonce, encrypted])).encode()).hexdigest()

    def _cipher(self) -> Cipher[modes.CBC]:
        # Imported here so that wxtcb imports without the optional cryptography package.
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(
        self, message: str, *, timestamp: str | None = None, nonce: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """Encrypt *message* as WeChat would push it: ``(xml_body, query_params)``."""
        raw = message.encode()
        plain = os.urandom(16) + struct.pack(">I", len(raw)) + raw + self.appid.encode()
        pad = _BLOCK - len(plain) % _BLOCK
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        encrypted = base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or base64.b32encode(os.urandom(5)).decode().lower()
        body = f"<xml><AppId><![CDATA[{self.appid}]]></AppId><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        params = {
            "timestamp": timestamp,
            "nonce": nonce,
            "encrypt_type": "aes",
            "msg_signature": self.signature(timestamp, nonce, encrypted),
        }
        return body.encode(), params

    def decrypt(self, body: bytes | str, *, msg_signature: str, timestamp: str, nonce: str) -> str:
        """Verify and decrypt one push body; returns the plaintext XML.

        Raises:
            InvalidSignatureError: the signature, padding, length or appid does not check out.
        """
        encrypted = _element(body, "Encrypt")
        expected = self.signature(timestamp, nonce, encrypted)
        if not hmac.compare_digest(expected, msg_signature.lower()):
            raise InvalidSignatureError("push signature does not match")
        try:
            data = base64.b64decode(encrypted, validate=True)
        except ValueError:
            raise InvalidSignatureError("push ciphertext is not base64") from None
        if not data or len(data) % 16:
            raise InvalidSignatureError("push ciphertext has a bad length")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= _BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise InvalidSignatureError("push has bad padding")
        content = plain[16:-pad]
        if len(content) < 4:
            raise InvalidSignatureError("push is too short")
        (length,) = struct.unpack(">I", content[:4])
        message, from_appid = content[4 : 4 + length], content[4 + length :]
        if len(message) != length or not hmac.compare_digest(from_appid, self.appid.encode()):
            raise InvalidSignatureError("push is for another appid")
        try:
            return message.decode()
        except UnicodeDecodeError:
            raise InvalidSignatureError("push message is not UTF-8") from None


def _element(body: bytes | str, name: str) -> str:
    try:
        root = parse_untrusted(body, max_size=_MAX_PUSH_XML)
    except UnsafeXMLError as exc:
        # WeChat never sends a DTD, an entity or a non-UTF-8 body: refused like a bad signature.
        raise InvalidSignatureError(f"push body refused: {exc}") from None
    value = root.findtext(name)
    if value is None:
        raise InvalidSignatureError(f"push XML has no {name}")
    return value.strip()


def parse_push(xml: str) -> dict[str, str]:
    """The fields of a decrypted push, as strings (``InfoType``, ``AppId``, ...).

    The decrypted message is as untrusted as the envelope (anyone holding the key can encrypt
    one): it goes through the same hardened parser, and a DTD or an entity in it is refused with
    `InvalidSignatureError`, as in the envelope.
    """
    try:
        root = parse_untrusted(xml, max_size=_MAX_PUSH_XML)
    except UnsafeXMLError as exc:
        raise InvalidSignatureError(f"decrypted push refused: {exc}") from None
    return {child.tag: (child.text or "").strip() for child in root}


def ticket_push(xml: str) -> TicketPush | None:
    """The ticket in a decrypted push, or None when the push is another event."""
    fields = parse_push(xml)
    if fields.get("InfoType") != "component_verify_ticket":
        return None
    ticket = fields.get("ComponentVerifyTicket", "")
    if not ticket:
        raise InvalidSignatureError("ticket push without ComponentVerifyTicket")
    try:
        create_time = int(fields.get("CreateTime", "0"))
    except ValueError:
        create_time = 0
    return TicketPush(fields.get("AppId", ""), create_time, "component_verify_ticket", ticket)


async def record_ticket(component: ComponentTokenProvider, xml: str) -> TicketPush | None:
    """If the decrypted push *xml* carries a ticket, record it with ``component.set_ticket``.

    Returns the ticket push (None for other events). A push older than the stored ticket does not
    replace it.
    """
    push = ticket_push(xml)
    if push is not None:
        if push.app_id and push.app_id != component.appid:
            raise InvalidSignatureError("ticket push is for another component appid")
        await component.set_ticket(push.ticket, create_time=push.create_time or None)
    return push


async def record_ticket_push(
    component: ComponentTokenProvider,
    crypto: PushCrypto,
    body: bytes | str,
    *,
    msg_signature: str,
    timestamp: str,
    nonce: str,
) -> TicketPush | None:
    """Verify and decrypt a push body, then `record_ticket` it."""
    xml = crypto.decrypt(body, msg_signature=msg_signature, timestamp=timestamp, nonce=nonce)
    return await record_ticket(component, xml)
