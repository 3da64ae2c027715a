"""Custom fields: definitions, resolution by id/label/api_name, value checks by data_type, and the cache."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from connectors.zoho_books._customfields import DefinitionCache, parse_definitions, resolve
from connectors.zoho_books._wire import ZohoCustomField
from schemas import CustomField
from unified.errors import RequestValidationError

BODY: dict[str, Any] = {
    "customfields": {
        "invoice": [
            {"customfield_id": "1", "api_name": "cf_region", "label": "Region", "data_type": "string"},
            {"customfield_id": "2", "api_name": "cf_priority", "label": "Priority", "data_type": "number"},
            {"customfield_id": "3", "api_name": "cf_rate", "label": "Rate", "data_type": "decimal"},
            {"customfield_id": "4", "api_name": "cf_fee", "label": "Fee", "data_type": "amount"},
            {"customfield_id": "5", "api_name": "cf_share", "label": "Share", "data_type": "percent"},
            {"customfield_id": "6", "api_name": "cf_due", "label": "Due", "data_type": "date"},
            {"customfield_id": "7", "api_name": "cf_ok", "label": "OK", "data_type": "check_box"},
            {
                "customfield_id": "8",
                "api_name": "cf_tier",
                "label": "Tier",
                "data_type": "dropdown",
                "values": [{"name": "Gold"}, {"name": "Silver"}],
            },
            {"customfield_id": "9", "api_name": "cf_mail", "label": "Mail", "data_type": "email"},
            {"customfield_id": "10", "api_name": "cf_site", "label": "Site", "data_type": "url"},
        ],
        "contact": [{"customfield_id": "20", "api_name": "cf_vat", "label": "VAT ID", "data_type": "string"}],
    }
}
DEFINITIONS = parse_definitions(BODY, "invoice")


def entries(*fields: CustomField) -> list[ZohoCustomField]:
    return resolve(fields, DEFINITIONS, entity="invoice", where="custom_fields")


def test_definitions_are_read_per_entity_with_dropdown_options() -> None:
    assert [d.api_name for d in parse_definitions(BODY, "contact")] == ["cf_vat"]
    tier = next(d for d in DEFINITIONS if d.label == "Tier")
    assert tier.options == ("Gold", "Silver")
    assert parse_definitions({"customfields": {}}, "bill") == []


def test_a_field_is_named_by_id_label_in_any_case_or_api_name() -> None:
    resolved = entries(
        CustomField(id="1", value="North"),
        CustomField(name="priority", value=Decimal(3)),
        CustomField(name="cf_tier", value="Gold"),
    )
    assert resolved == [
        ZohoCustomField(customfield_id="1", value="North"),
        ZohoCustomField(customfield_id="2", value=Decimal(3)),
        ZohoCustomField(customfield_id="8", value="Gold"),
    ]


def test_an_unknown_name_is_refused_listing_the_known_fields() -> None:
    with pytest.raises(RequestValidationError) as info:
        entries(CustomField(name="Colour", value="red"))
    message = str(info.value)
    assert "'Colour'" in message and "'Region' (cf_region, id 1, string)" in message and "cf_site" in message
    assert info.value.field == "custom_fields[0]"


def test_an_unknown_id_is_refused_too() -> None:
    with pytest.raises(RequestValidationError, match="id '99'"):
        entries(CustomField(id="99", value="x"))


def test_a_field_given_twice_is_refused() -> None:
    with pytest.raises(RequestValidationError, match="twice"):
        entries(CustomField(name="Region", value="a"), CustomField(id="1", value="b"))


@pytest.mark.parametrize(
    ("name", "value", "sent"),
    [
        ("Priority", Decimal(7), Decimal(7)),
        ("Priority", "8", Decimal(8)),
        ("Rate", Decimal("0.125"), Decimal("0.125")),
        ("Fee", Decimal("10.50"), Decimal("10.50")),
        ("Share", Decimal(15), Decimal(15)),
        ("Due", "2024-02-29", "2024-02-29"),
        ("OK", True, True),
        ("Tier", "Silver", "Silver"),
        ("Mail", "a@b.io", "a@b.io"),
        ("Site", "https://example.com", "https://example.com"),
        ("Region", None, ""),  # None clears the field
    ],
)
def test_values_that_fit_the_data_type_are_sent(name: str, value: Any, sent: Any) -> None:
    [entry] = entries(CustomField(name=name, value=value))
    assert entry.value == sent


@pytest.mark.parametrize(
    ("name", "value", "needs"),
    [
        ("Priority", Decimal("1.5"), "whole number"),
        ("Priority", "many", "a number"),
        ("Rate", True, "a number"),
        ("Due", "31/01/2024", "yyyy-mm-dd"),
        ("OK", "yes", "true or false"),
        ("Tier", "Bronze", "Gold, Silver"),
        ("Mail", "not-an-email", "email address"),
        ("Site", "example", "URL"),
        ("Region", Decimal(5), "text"),
    ],
)
def test_values_that_do_not_fit_are_refused_naming_the_field_and_what_it_takes(
    name: str, value: Any, needs: str
) -> None:
    with pytest.raises(RequestValidationError) as info:
        entries(CustomField(name=name, value=value))
    assert needs in str(info.value) and f"'{name}'" in str(info.value)
    assert info.value.field == "custom_fields[0].value"


def test_definitions_are_fetched_once_per_organization_and_entity_even_when_asked_together() -> None:
    fetched: list[str] = []

    async def fetch(entity: str) -> dict[str, Any]:
        fetched.append(entity)
        await asyncio.sleep(0)
        return BODY

    async def scenario() -> None:
        cache = DefinitionCache(fetch)
        results = await asyncio.gather(*(cache.get("org1", "invoice") for _ in range(5)))
        assert all(len(r) == len(DEFINITIONS) for r in results)
        await cache.get("org1", "contact")
        await cache.get("org1", "invoice")
        assert fetched == ["invoice", "contact"]
        assert cache.cached("org1", "contact")[0].api_name == "cf_vat"
        cache.forget("org1")
        await cache.get("org1", "invoice")
        assert fetched == ["invoice", "contact", "invoice"]

    asyncio.run(scenario())
