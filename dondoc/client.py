"""The Temporal client every edge uses, with the pydantic data converter."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from dondoc.settings import Settings

# Set once this process has made a client; the CLI then skips interpreter teardown, where
# the SDK's Rust threads can abort a short-lived process (temporalio/sdk-python#300).
connected = False


async def connect(settings: Settings) -> Client:
    global connected
    connected = True
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
    )
