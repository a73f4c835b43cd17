"""Feed wxtcb's events to your metrics; its log records go to the "wxtcb" logger."""

import logging
from collections import Counter

import wxtcb
import wxtcb.events

logging.getLogger("wxtcb").setLevel(logging.INFO)  # token fetches, retries, replays, rotations

metrics: Counter[str] = Counter()


def on_event(event: wxtcb.events.Event) -> None:
    if isinstance(event, wxtcb.events.RequestFinished):
        metrics[f"wechat.{event.api}.{'ok' if event.error is None else event.error}"] += 1
    elif isinstance(event, wxtcb.events.RetryScheduled):
        metrics["wechat.retries"] += 1
    elif isinstance(event, wxtcb.events.TokenFetched):
        metrics[f"wechat.token_fetch.{event.kind}"] += 1


def make_client(provider: wxtcb.TokenProvider, base_url: str) -> wxtcb.Client:
    return wxtcb.Client(provider, base_url=base_url, on_event=on_event)
