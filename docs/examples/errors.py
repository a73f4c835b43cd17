"""Handling what WeChat answers: the exception says what happened and what to do."""

import logging

import wxtcb

log = logging.getLogger("myapp")


async def read_config(client: wxtcb.Client) -> wxtcb.CallbackConfig | None:
    try:
        return await client.get_callback_config()
    except wxtcb.IPNotAllowedError as exc:
        log.error("add %s to the API IP whitelist (rid %s)", exc.ip, exc.rid)
    except wxtcb.QuotaError:
        log.error("daily quota reached; calls resume tomorrow or after clear_quota")
    except wxtcb.BusyError:
        log.warning("WeChat stayed busy through every retry; try again later")
    except wxtcb.APIError as exc:
        log.error("WeChat said %s: %s (rid %s)", exc.errcode, exc.errmsg, exc.rid)
    except wxtcb.TransportError as exc:
        log.error("no answer from WeChat: %s", exc)
    return None
