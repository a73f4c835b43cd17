"""wxtcb's spans and metrics printed by OpenTelemetry's console exporters (pip install 'wxtcb[otel]'
opentelemetry-sdk). Run it as is: it talks to the emulator, with one busy answer and one rejected token."""

import asyncio
import sys
from typing import TextIO

from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import ConsoleMetricExporter, PeriodicExportingMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

import wxtcb
import wxtcb.otel
from wxtcb.testing import DEMO_APPID, DEMO_SECRET, INSTANT_RETRY, Emulator, Fault


def setup(out: TextIO = sys.stdout) -> tuple[TracerProvider, MeterProvider]:
    """An SDK with console exporters; wxtcb traced and measured, aiohttp instrumented as usual."""
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=out)))
    reader = PeriodicExportingMetricReader(ConsoleMetricExporter(out=out), export_interval_millis=60_000)
    meter_provider = MeterProvider(metric_readers=[reader])
    # Most applications set these providers globally and call instrument() with no arguments.
    wxtcb.otel.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    # Safe together: wxtcb's requests get a span with the token masked, not aiohttp's own.
    AioHttpClientInstrumentor().instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    return tracer_provider, meter_provider


async def handle_request(client: wxtcb.Client, tracer_provider: TracerProvider) -> wxtcb.CallbackConfig:
    """What a request handler of the application does: its own span, a wxtcb call inside."""
    tracer = tracer_provider.get_tracer("my-app")
    with tracer.start_as_current_span("GET /config"):
        return await client.get_callback_config()


async def main(out: TextIO = sys.stdout) -> None:
    tracer_provider, meter_provider = setup(out)
    try:
        async with Emulator() as emulator:
            provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)
            async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
                await handle_request(client, tracer_provider)  # fetches a token
                emulator.fault("tcb/getcallbackconfig", Fault.error(-1))  # busy once: retried
                emulator.expire_tokens()  # then 42001: refreshed and replayed
                await handle_request(client, tracer_provider)
    finally:
        AioHttpClientInstrumentor().uninstrument()
        wxtcb.otel.uninstrument()
        meter_provider.shutdown()  # prints the metrics
        tracer_provider.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
