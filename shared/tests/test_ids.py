"""Time-ordered ids: version 7 UUIDs, each made after another sorting after it, in text and as UUIDs."""

import time
from uuid import UUID

from crm_shared.ids import new_id, new_uuid


def test_new_ids_are_version_7_and_sort_in_the_order_they_were_made():
    made = [new_id() for _ in range(5000)]  # many within one millisecond
    assert all(UUID(text).version == 7 and str(UUID(text)) == text for text in made)
    assert made == sorted(made) and len(set(made)) == len(made)
    uuids = [new_uuid() for _ in range(5000)]
    assert all(type(u) is UUID and u.version == 7 for u in uuids)  # the standard library's type
    assert uuids == sorted(uuids) and len(set(uuids)) == len(uuids)


def test_an_id_carries_the_millisecond_it_was_made():
    before = time.time_ns() // 1_000_000
    made = UUID(new_id())
    after = time.time_ns() // 1_000_000
    assert before <= made.int >> 80 <= after  # the first 48 bits: Unix time in milliseconds
