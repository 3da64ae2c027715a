"""Any unified record stored in SQLite reads back identical, and is found by the values of its indexed columns."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from unified.sync import SYNC_RESOURCES, SQLiteStore, StoredRecord, content_hash
from unified.sync._columns import COLUMNS
from unified.testing.strategies import full_models

records = st.sampled_from(sorted(SYNC_RESOURCES)).flatmap(
    lambda resource: st.tuples(st.just(resource), full_models(SYNC_RESOURCES[resource]))
)


@settings(max_examples=10, deadline=None)
@given(records)
def test_a_stored_record_reads_back_identical_and_is_found_by_its_columns(drawn: tuple[str, BaseModel]) -> None:
    resource, record = drawn
    record_id = getattr(record, "id", None) or "1"
    record = record.model_copy(update={"id": record_id})
    digest = content_hash(record)
    with SQLiteStore(":memory:") as store:
        store.upsert(resource, StoredRecord(record=record, summary_hash=digest, record_hash=digest, detailed=True))

        back = store.get(resource, record_id)
        assert back is not None and back.model_dump_json() == record.model_dump_json()
        assert content_hash(back) == digest  # the hash of what is read back matches what was stored
        for column in COLUMNS[resource]:
            assert store.count(resource, **{column.name: column.get(record)}) == 1, column.name
        assert store.count(resource, updated_at=getattr(record, "updated_at", None)) == 1
