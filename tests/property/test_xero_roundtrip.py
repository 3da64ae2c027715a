"""Property: generated unified records written through the Xero connector to the emulator (in process, over its
ASGI app) read back equal on every writable field, and with amounts and tax that add up to the cent as Xero rounds:
each line's amount is quantity x unit price, its tax the line's rate of it (exclusive) or in it (inclusive), and the
document's totals their sums."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.xero import XeroConnector
from connectors.xero.capabilities import SPECS
from connectors.xero.emulator import XeroEmulator
from tests.contract.test_xero_conformance import WINDOW_SECONDS, References, emulator, paced_policy
from unified import AsyncUnifiedClient
from unified.secret import Secret
from unified.testing import assert_subset
from unified.toolkit import MemoryTokenStore, StoredTokens

CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def emu() -> XeroEmulator:
    return emulator(contacts=20, invoices=5, bills=5, expenses=5)


@pytest.fixture(scope="module")
def setup(emu: XeroEmulator) -> Iterator[tuple[dict[str, Any], References, dict[str, Any]]]:
    settings_: dict[str, Any] = {
        "client_id": emu.client_id,
        "client_secret": emu.client_secret,
        "refresh_token": emu.refresh_token,
        "tenant_id": emu.tenant_id,
        "window_seconds": WINDOW_SECONDS,
        "api_url": "http://xero.test",
        "identity_url": "http://xero.test",
        "login_url": "http://xero.test",
        "rate_limit": paced_policy(),
    }
    store = MemoryTokenStore(StoredTokens(Secret(settings_["refresh_token"])))
    settings_["token_store"] = store

    async def read() -> tuple[References, dict[str, Any]]:
        connector = XeroConnector(**settings_, transport=httpx.ASGITransport(app=emu.app))
        try:

            async def native(path: str, key: str, **params: Any) -> Any:
                return (await connector.proxy("GET", path, params=params or None)).json()[key]

            taxes = await native("/TaxRates", "TaxRates")
            # one component and not compound: the tax of a line is then its rate of the amount, rounded once
            simple = [t for t in taxes if len(t.get("TaxComponents") or []) == 1]
            refs = References.from_bodies(
                contacts=await native("/Contacts", "Contacts", page=1, pageSize=100),
                taxes=simple,
                accounts=await native("/Accounts", "Accounts"),
                tracking=await native("/TrackingCategories", "TrackingCategories"),
            )
            return refs, {t["TaxType"]: Decimal(str(t["EffectiveRate"])) for t in taxes}
        finally:
            await connector.aclose()

    refs, rates = asyncio.run(read())
    yield settings_, refs, rates


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def check_amounts(record: Any, rates: dict[str, Decimal]) -> None:
    """The document's amounts as Xero works them out, to the cent."""
    inclusive = bool(record.tax_inclusive)
    line_total = Decimal(0)
    tax_total = Decimal(0)
    for line in record.line_items:
        amount = line.total_amount
        if line.unit_price is not None and line.quantity is not None:
            assert amount == _round(line.quantity * line.unit_price), f"line amount {amount}"
        rate = rates[line.tax_rate.id] if line.tax_rate is not None else Decimal(0)
        expected_tax = _round(amount * rate / (100 + rate)) if inclusive else _round(amount * rate / 100)
        assert line.tax_amount == expected_tax, f"line tax {line.tax_amount} != {expected_tax} ({rate}% of {amount})"
        line_total += amount
        tax_total += line.tax_amount
    total = record.total if hasattr(record, "total") else record.total_amount
    assert record.total_tax == tax_total
    assert record.sub_total == (line_total - tax_total if inclusive else line_total)
    assert total == record.sub_total + record.total_tax


RESOURCES = st.sampled_from(["contacts", "invoices", "bills", "expenses", "tax_rates"])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_records_round_trip_through_the_connector_and_xero(
    emu: XeroEmulator, setup: tuple[dict[str, Any], References, dict[str, Any]], data: st.DataObject
) -> None:
    settings_, refs, rates = setup
    resource = data.draw(RESOURCES, label="resource")
    generated = data.draw(refs.strategy(resource), label="record")
    caps = SPECS[resource].declare()
    record = type(generated).model_validate(generated.model_dump(include=set(caps.writable_fields), exclude_unset=True))

    async def main() -> tuple[Any, Any]:
        connector = XeroConnector(**settings_, transport=httpx.ASGITransport(app=emu.app))
        async with AsyncUnifiedClient(connector) as client:
            resource_client = client.resource(resource)
            created = await resource_client.create(record)
            got = await resource_client.get(created.id)
            await resource_client.delete(created.id)
            return created, got

    created, got = asyncio.run(main())
    assert_subset(record, got)
    assert created.model_dump() == got.model_dump()  # the create's answer is the record as Xero keeps it
    if resource in ("invoices", "bills", "expenses"):
        check_amounts(got, rates)
