"""Fixture files: ``{"realms": [CompanyInfo...], "Customer": [...], "Invoice": [...], ...}``, records as
QuickBooks' GET answers them, served as given.

``realms`` lists the companies (a CompanyInfo record each, with ``Id`` or ``realmId`` the company id; left
out: one seeded company). Records of the other keys belong to the first company. What a record leaves out
is filled in: ``Id`` (the next free one), ``SyncToken`` "0", ``MetaData`` (now), ``domain``, ``sparse``.
Lists the fixture does not give at all (accounts, tax codes and rates, terms, items...) and Preferences are
seeded; customers, vendors and transactions come only from the fixture.
"""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path
from typing import Any

from unified.emulator import FixtureError, read_fixture

from ._generator import _Seeder, new_realm, realm_id, seed_lists, settings_records
from ._store import ENTITIES, NAME_LISTS, SINGLETONS, Realm, Record, Store

KEYS = ("realms", *ENTITIES)
SEEDED_LISTS = ("Account", "Class", "Department", "Item", "TaxAgency", "TaxCode", "TaxRate", "Term")


def read(source: str | Path | dict[str, Any]) -> dict[str, list[Any]]:
    return read_fixture(source, known_keys=KEYS)


def realm_ids(data: dict[str, list[Any]], seed: int, first: str | None) -> list[str]:
    given = data.get("realms") or [{}]
    ids: list[str] = []
    for index, record in enumerate(given):
        ident = str(record.get("realmId") or record.get("Id") or (first if index == 0 and first else "") or "")
        ident = ident or realm_id(seed, index)
        if not ident.isdigit():
            raise FixtureError(f"realms[{index}]: the company id {ident!r} must be digits, like 9130348651845276")
        if ident in ids:
            raise FixtureError(f"realms[{index}]: company {ident} is listed twice")
        ids.append(ident)
    return ids


def load(store: Store, data: dict[str, list[Any]], seed: int, ids: list[str], now: datetime) -> None:
    given = data.get("realms") or [{}]
    for index, ident in enumerate(ids):
        realm = new_realm(seed, index, ident)
        company = dict(given[index]) if index < len(given) else {}
        company.pop("realmId", None)
        seeder = _Seeder(realm, random.Random(f"quickbooks-fixture-{seed}-{index}"))
        settings_records(realm, str(company.get("CompanyName") or f"Company {ident}"), now)
        info = realm.records["CompanyInfo"].pop(ident)
        realm.add("CompanyInfo", {**info, **company, "Id": ident})
        missing = [e for e in SEEDED_LISTS if e not in data] if index == 0 else list(SEEDED_LISTS)
        if missing:
            _seed_some(realm, seeder, missing)
        if index == 0:
            for entity in ENTITIES:
                if entity in ("CompanyInfo",):
                    continue
                if entity in SINGLETONS and data.get(entity):
                    realm.records[entity].clear()
                for position, record in enumerate(data.get(entity, [])):
                    _put(realm, entity, record, position, now)
        store.add(realm)


def _seed_some(realm: Realm, seeder: _Seeder, entities: list[str]) -> None:
    """The seeded lists, keeping only the entities asked for (the rest come from the fixture)."""
    scratch = new_realm(0, 0, realm.realm_id)
    scratch.offset_minutes = realm.offset_minutes
    scratch.country = realm.country
    scratch.currency, scratch.currency_name = realm.currency, realm.currency_name
    seed_lists(scratch, _Seeder(scratch, seeder.rng))
    for entity in entities:
        realm.records[entity] = scratch.records[entity]
        realm.counters[entity] = scratch.counters.get(entity, len(scratch.records[entity]))


def _put(realm: Realm, entity: str, record: Record, position: int, now: datetime) -> None:
    out = dict(record)
    ident = str(out.get("Id") or realm.new_id(entity))
    if ident in realm.records[entity]:
        raise FixtureError(f"{entity}[{position}]: Id {ident} is given twice")
    stamp = realm.stamp(now)
    out["Id"] = ident
    out.setdefault("SyncToken", "0")
    out["SyncToken"] = str(out["SyncToken"])
    out.setdefault("domain", "QBO")
    out.setdefault("sparse", False)
    meta = dict(out.get("MetaData") or {})
    meta.setdefault("CreateTime", stamp)
    meta.setdefault("LastUpdatedTime", meta["CreateTime"])
    out["MetaData"] = meta
    if entity in NAME_LISTS:
        out.setdefault("Active", True)
    realm.add(entity, out)
    if ident.isdigit():
        realm.counters[entity] = max(realm.counters.get(entity, 0), int(ident))
