"""A shop we cannot reach is a transient failure, and the token never shows in what we raise."""

import socket
from contextlib import asynccontextmanager

import anyio
import pytest
from structlog.testing import capture_logs

from connectors.errors import TransientError
from connectors.shopify.client import ShopifyClient

TOKEN = "shpat_never_print_me_0123456789"


def closed_port() -> int:
    # Bind then close: nothing listens there afterwards, so connecting is refused at once.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def raw_tcp_server(handler):
    """A bare TCP listener on loopback running `handler(stream)` per connection; yields its URL."""
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, handler)
        yield f"http://127.0.0.1:{listener.extra(anyio.abc.SocketAttribute.local_port)}"
        tg.cancel_scope.cancel()


@pytest.mark.anyio
async def test_refused_connection_is_transient_and_does_not_leak_the_token():
    async with ShopifyClient(f"http://127.0.0.1:{closed_port()}", TOKEN, timeout=2) as client:
        with capture_logs() as logs, pytest.raises(TransientError) as caught:
            await client.execute("shop_info")
    err = caught.value
    assert err.api == "shopify"
    assert TOKEN not in str(err) and TOKEN not in repr(err)
    assert err.__cause__ is None and err.__suppress_context__
    assert TOKEN not in repr(logs)
    assert TOKEN not in repr(client)


@pytest.mark.anyio
async def test_connection_dropped_mid_request_is_transient():
    async def accept_and_hang_up(stream):
        async with stream:
            await stream.receive(65536)  # read the request, then close without answering

    async with (
        raw_tcp_server(accept_and_hang_up) as url,
        ShopifyClient(url, TOKEN, timeout=5) as client,
    ):
        with pytest.raises(TransientError) as caught:
            await client.execute("shop_info")
    assert "could not reach Shopify" in caught.value.message
    assert TOKEN not in str(caught.value)


@pytest.mark.anyio
async def test_silent_server_times_out_as_transient():
    async def accept_and_say_nothing(stream):
        async with stream:
            await anyio.sleep(30)

    async with (
        raw_tcp_server(accept_and_say_nothing) as url,
        ShopifyClient(url, TOKEN, timeout=0.3) as client,
    ):
        with pytest.raises(TransientError) as caught:
            await client.execute("shop_info")
    assert "in time" in caught.value.message


@pytest.mark.anyio
async def test_bare_shop_domain_gets_https_and_the_versioned_graphql_path():
    async with ShopifyClient("my-shop.myshopify.com/", TOKEN) as client:
        assert client.endpoint == "https://my-shop.myshopify.com/admin/api/2026-01/graphql.json"
