"""Each way Shopify can fail lands in the error class the worker acts on, with Shopify's words."""

import pytest
from structlog.testing import capture_logs

from connectors.errors import AuthError, PermanentError
from tests.shopify_client.conftest import TOKEN

pytestmark = pytest.mark.anyio


async def test_wrong_token_is_an_auth_error_that_never_repeats_a_token(shop):
    wrong = "shpat_wrong_token_also_secret_987654"
    async with shop.client(token=wrong) as client:
        with capture_logs() as logs, pytest.raises(AuthError) as caught:
            await client.execute("shop_info")
    err = caught.value
    assert err.status == 401
    assert err.hint
    for secret in (wrong, TOKEN):
        assert secret not in str(err) and secret not in err.hint and secret not in repr(logs)


async def test_query_shopify_cannot_parse_is_permanent_and_quotes_shopify(api):
    with pytest.raises(PermanentError) as caught:
        await api.client.execute("query { shop { noSuchField } }")
    assert "noSuchField" in caught.value.message


async def test_valid_query_returns_only_data(api, shop):
    info = await api.shop_info()
    assert info.currency_code == shop.catalogue.currency
    assert info.taxes_included is shop.catalogue.taxes_included
