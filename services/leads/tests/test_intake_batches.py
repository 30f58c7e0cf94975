"""Group commit of the public intake: concurrent posts share commits, and stay idempotent within one
batch, across batches and across two workers on one database (SQLite and PostgreSQL)."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from intake_support import post
from leads_support import leads_settings, running

from crm_shared.events.leads import SubmissionReceivedV1
from crm_shared.messaging.uow import OUTBOX_KEYS, outbox_row
from leads.forms.batch import Post, prepare
from leads.forms.domain import Posted
from leads.forms.service import received_event


async def test_concurrent_posts_share_commits_and_stay_idempotent(client, form, admin):
    same = await asyncio.gather(
        *(
            post(client, form, {"mail": "burst@acme.com"}, headers={"idempotency-key": "b-1"})
            for _ in range(15)
        )
    )
    assert {r.status_code for r in same} == {202} and len({r.json()["id"] for r in same}) == 1
    assert sum(not r.json()["duplicate"] for r in same) == 1
    many = await asyncio.gather(*(post(client, form, {"mail": f"burst{i}@acme.com"}) for i in range(15)))
    ids = {r.json()["id"] for r in many}
    assert len(ids) == 15
    for submission_id in ids:  # answered 202 only once committed
        assert (await client.get(f"/submissions/{submission_id}", headers=admin)).status_code == 200


async def test_one_group_commit_dedupes_each_post_within_its_own_window(app_client, form):
    """A post of a year ago (a backdated demo post) and a live one with the same fields, in one commit:
    two submissions, each a duplicate only of what came within ten minutes of it."""
    from leads.forms import service as forms
    from leads.forms.batch import Post
    from leads.forms.domain import Posted

    app = app_client[0]
    async with app.state.ctx.uow() as uow:
        view = await forms.active_form_view(uow=uow, form_id=form["id"])
    fields = {"email": f"twice-{uuid.uuid4().hex[:6]}@acme.com", "name": "Twice"}
    now = datetime.now(UTC)

    def at(moment):
        return Post(
            form=view,
            posted=Posted(fields=dict(fields)),
            idempotency_key=None,
            quarantine_reason=None,
            client_ip="127.0.0.1",
            now=moment,
        )

    store = app.state.intake.write_batch
    first = await store([at(now - timedelta(days=365)), at(now)])
    assert [duplicate for _, duplicate in first] == [False, False] and first[0][0] != first[1][0]
    again = await store([at(now + timedelta(minutes=1))])
    assert again == [(first[1][0], True)]  # the live one, not the one of a year ago


async def test_two_workers_on_one_database_store_a_retried_post_once(app_client, form, broker):
    """Another worker process on the same database takes the same post at the same time (a client
    retrying through a load balancer): whichever commits first stores it, the other answers with its id.
    On SQLite the intake's own connection waits for the other's write lock; on PostgreSQL both batches
    may insert, one hits the unique key and is retried post by post. Either way one submission."""
    first_app, first = app_client
    settings = first_app.state.settings
    async with running(leads_settings(settings.database_url, broker, consume=False)) as (_, second):
        key = {"idempotency-key": f"twice-{uuid.uuid4().hex[:8]}"}
        answers = await asyncio.gather(
            *(post(c, form, {"mail": "lb@acme.com"}, headers=key) for c in [first, second] * 10)
        )
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(not a.json()["duplicate"] for a in answers) == 1


@pytest.mark.parametrize(
    ("posted", "campaign", "quarantine", "now"),
    [
        (Posted(fields={"email": "a@acme.com", "name": "Ann"}), "spring", None, datetime.now(UTC)),
        (  # non-ASCII, custom fields, tracking, a quarantined post, a demo clock's zone
            Posted(
                fields={"name": '张伟 "Zhang"', "message": "line\nbreak \u2028 emoji 😀"},
                custom_fields={"budget": "€ 5,000"},
                utm={"utm_campaign": "autumn", "utm_source": "wechat"},
                page_url="https://example.cn/联系",
                referrer="https://ref.example",
                visitor_id="v-1",
            ),
            None,
            "honeypot",
            datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=8))),
        ),
    ],
)
def test_the_intakes_own_event_json_is_the_contracts(posted, campaign, quarantine, now):
    """The group commit writes `leads.submission.received` without the model: it must be the event the
    model makes, field for field (no field missing or extra, each validating to the model's own value),
    with the same outbox row and Kafka headers."""
    form = SimpleNamespace(
        id="f-1", name="Contact us", source="web_form", campaign=campaign, default_team_id="team-9"
    )
    item = prepare(
        [
            Post(
                form=form,
                posted=posted,
                idempotency_key=None,
                quarantine_reason=quarantine,
                client_ip="127.0.0.1",
                now=now,
            )
        ],
        "leads-test",
    )[0]
    expected = received_event(form, SimpleNamespace(**item.row), producer="leads-test")
    got = SubmissionReceivedV1.model_validate_json(item.event["payload"])
    assert set(json.loads(item.event["payload"])) == set(SubmissionReceivedV1.model_fields)
    assert got == expected.model_copy(update={"event_id": got.event_id})
    # the very JSON the model writes, value for value (validation alone would take "1" for 1)
    same = json.loads(expected.model_copy(update={"event_id": got.event_id}).model_dump_json())
    assert json.loads(item.event["payload"]) == same
    assert got.occurred_at == now and got.campaign == (posted.utm.get("utm_campaign") or campaign)
    row = outbox_row(expected)
    for name in ("topic", "aggregate_type", "aggregate_id", "event_type"):
        assert item.event[name] == row[name]
    assert item.event["event_id"] == str(got.event_id)
    assert item.event["headers"] == got.headers()
    assert set(item.event) == set(OUTBOX_KEYS)
