"""Submissions processed as one consumer batch (one transaction): they dedupe against leads made earlier
in the batch, and routing keeps round robin and capacity as if they came one by one."""

import json
import uuid

import pytest
from aiokafka import ConsumerRecord
from leads_support import create_form, database, leads_settings, new_ip, running
from sqlalchemy import select

from crm_shared.events.base import Event
from crm_shared.events.sales import TeamCreatedV1, UserCreatedV1
from crm_shared.messaging.consumer import BatchProcessor
from crm_shared.testing import read_topic
from crm_shared.topics import LEADS_SUBMISSION
from leads.db import messaging
from leads.forms.models import Submission
from leads.main import build_spec
from leads.models import Lead, LeadInteraction

RUN = uuid.uuid4().hex[:6]
T_EAST, T_FIN = f"east-{RUN}", f"fin-{RUN}"
EAST_REPS = sorted([f"{RUN}-e1", f"{RUN}-e2", f"{RUN}-e3"])
FIN_REP = f"{RUN}-f1"


def record(offset: int, event: Event) -> ConsumerRecord:
    """The event as the broker would hand it to the consumer."""
    value = event.model_dump_json().encode()
    key = event.aggregate_id.encode()
    return ConsumerRecord(event.topic, 0, offset, 0, 0, key, value, None, len(key), len(value), [])


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def service(request, broker, tmp_path_factory, admin):
    """An intake-only app (no consumer) and a batch processor of the leads handlers on its database."""
    async with database(request.param, tmp_path_factory.mktemp("batch")) as url:
        settings = leads_settings(url, broker, consume=False)
        async with running(settings) as (app, client):
            ctx, opened = app.state.ctx, []

            def counting_uow():
                opened.append(1)
                return ctx.uow()

            async def dead_letter(rec, reason, error):
                raise AssertionError(f"dead-lettered {reason}: {error!r}")

            handlers = build_spec(settings.model_copy(update={"consume": True})).handlers
            processor = BatchProcessor(handlers, counting_uow, dead_letter)
            users = [
                UserCreatedV1(aggregate_id=u, name=u, email=f"{u}@crm.cn", role="rep", team_id=T_EAST)
                for u in EAST_REPS
            ]
            fin = UserCreatedV1(
                aggregate_id=FIN_REP, name="Fin", email="f@crm.cn", role="rep", team_id=T_FIN, capacity=1
            )
            setup = [
                TeamCreatedV1(aggregate_id=T_EAST, name="East"),
                TeamCreatedV1(aggregate_id=T_FIN, name="Fin"),
            ]
            await processor.process_batch(tuple(record(i, e) for i, e in enumerate([*setup, *users, fin])))
            rules = [
                {"name": "East", "conditions": {"region": ["East"]}, "team_id": T_EAST},
                {
                    "name": "Fin",
                    "conditions": {"industry": ["Finance"]},
                    "team_id": T_FIN,
                    "strategy": "least_loaded",
                },
            ]
            assert (await client.put("/routing-rules", json=rules, headers=admin)).status_code == 200
            form = await create_form(client, admin)
            yield ctx, client, processor, opened, form


async def post_batch(service, posts: list[dict]) -> list[str]:
    """Post the submissions, then apply their events from the broker as one consumer batch, in order."""
    ctx, client, processor, opened, form = service
    ids = []
    for fields in posts:
        response = await client.post(
            f"/forms/{form['id']}/submissions", json=fields, headers={"x-forwarded-for": new_ip()}
        )
        assert response.status_code == 202, response.text
        ids.append(response.json()["id"])
    records = await read_topic(
        ctx.settings.kafka.bootstrap_servers,
        LEADS_SUBMISSION.name,
        lambda rs: {r.key.decode() for r in rs} >= set(ids),
    )
    ours = {r.key.decode(): r for r in records if r.key.decode() in ids}
    opened.clear()
    await processor.process_batch(tuple(ours[i] for i in ids))
    assert len(opened) == 1  # one transaction for the whole batch
    return ids


async def leads_of(ctx, submission_ids: list[str]) -> list[Lead | None]:
    async with ctx.sessions() as session:
        subs = {
            s.id: s
            for s in (await session.scalars(select(Submission).where(Submission.id.in_(submission_ids))))
        }
        assert all(s.status == "processed" for s in subs.values())
        found = {
            lead.id: lead
            for lead in await session.scalars(
                select(Lead).where(Lead.id.in_([s.lead_id for s in subs.values()]))
            )
        }
        return [found.get(subs[i].lead_id) for i in submission_ids]


async def outbox(ctx, aggregate_id: str) -> list[dict]:
    async with ctx.sessions() as session:
        rows = await session.execute(
            select(messaging.outbox.c.payload)
            .where(messaging.outbox.c.aggregate_id == aggregate_id)
            .order_by(messaging.outbox.c.id)
        )
        return [json.loads(payload) for payload in rows.scalars()]


async def test_two_posts_of_one_email_in_a_batch_make_one_lead_and_one_merge(service):
    ctx = service[0]
    email = f"twice-{RUN}@twice.cn"
    ids = await post_batch(
        service,
        [
            {"name": "Tw Ice", "email": email},
            {"name": "Other One", "email": f"other-{RUN}@other.cn"},
            {"name": "Tw Ice", "email": email.upper(), "title": "VP Sales", "message": "again"},
        ],
    )
    first, other, again = await leads_of(ctx, ids)
    assert first.id == again.id != other.id and again.title == "VP Sales"
    assert any("2 submissions" in line["reason"] for line in again.score_breakdown)
    async with ctx.sessions() as session:
        interactions = list(
            await session.scalars(select(LeadInteraction).where(LeadInteraction.lead_id == first.id))
        )
    assert len(interactions) == 2
    assert sum("merged into an existing lead by email" in i.summary for i in interactions) == 1
    types = [e["event_type"] for e in await outbox(ctx, first.id)]
    assert types == [  # as one by one: captured with its score and routing, then the merge and rescore
        "leads.lead.scored",
        "leads.lead.assigned",
        "leads.lead.captured",
        "leads.lead.updated",
        "leads.lead.scored",
    ]


async def test_round_robin_and_capacity_hold_across_one_batch(service):
    ctx = service[0]
    posts = [{"name": f"East {i}", "email": f"east{i}-{RUN}@east.cn", "region": "East"} for i in range(4)]
    posts.insert(2, {"name": "Fin One", "email": f"fin1-{RUN}@bank.cn", "industry": "Finance"})
    posts.append({"name": "Fin Two", "email": f"fin2-{RUN}@bank2.cn", "industry": "Finance"})
    leads = await leads_of(ctx, await post_batch(service, posts))
    east = [lead.owner_id for lead in leads if lead.team_id == T_EAST]
    assert east == [*EAST_REPS, EAST_REPS[0]]
    fin_one, fin_two = (lead for lead in leads if lead.team_id == T_FIN)
    assert fin_one.owner_id == FIN_REP and fin_two.owner_id is None
    assigned = next(e for e in await outbox(ctx, fin_two.id) if e["event_type"] == "leads.lead.assigned")
    assert assigned["candidates"] == [
        {"user_id": FIN_REP, "load": 1, "capacity": 1, "eligible": False, "reason": "at capacity"}
    ]
    first_east = next(e for e in await outbox(ctx, leads[0].id) if e["event_type"] == "leads.lead.assigned")
    assert [c["load"] for c in first_east["candidates"]] == [0, 0, 0]
    last_east = next(e for e in await outbox(ctx, leads[4].id) if e["event_type"] == "leads.lead.assigned")
    assert [c["load"] for c in last_east["candidates"]] == [1, 1, 1]  # the batch's leads count as load
