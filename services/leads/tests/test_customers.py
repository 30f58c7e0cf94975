"""Dedupe against known customers (a replica of sales accounts and contacts, through the real broker):
a post from a known contact or account is recorded on that customer, never a duplicate lead."""

import json
import uuid

import pytest
from leads_support import create_form, new_ip, user_headers

from crm_shared.auth import Role
from crm_shared.events.sales import (
    AccountCreatedV1,
    ContactCreatedV1,
    ContactDeletedV1,
    ContactUpdatedV1,
)
from crm_shared.testing import eventually, read_topic
from crm_shared.topics import INTERACTIONS, LEADS_SUBMISSION

RUN = uuid.uuid4().hex[:6]
TEAM = f"t-{RUN}"
OWNER, OTHER_REP = f"own-{RUN}", f"rep-{RUN}"
MANAGER = user_headers(f"mgr-{RUN}", Role.MANAGER, TEAM)
DOMAIN = f"globex-{RUN}.cn"


@pytest.fixture(scope="module")
async def known(app_client, publish, admin):
    """One account with an owned contact and an unowned one, per database (ids differ per run)."""
    client, tag = app_client[1], uuid.uuid4().hex[:6]
    ids = {"account": f"acc-{tag}", "hank": f"hank-{tag}", "marge": f"marge-{tag}", "tag": tag}
    await publish(
        AccountCreatedV1(
            aggregate_id=ids["account"], name=f"Globex {tag}", domain=DOMAIN, owner_id=OWNER, team_id=TEAM
        ),
        ContactCreatedV1(
            aggregate_id=ids["hank"],
            account_id=ids["account"],
            name="Hank Scorpio",
            emails=[f"hank-{tag}@{DOMAIN}"],
            phones=[],
            owner_id=OWNER,
            team_id=TEAM,
        ),
        ContactCreatedV1(
            aggregate_id=ids["marge"],
            account_id=ids["account"],
            name="Marge",
            phones=[f"+86139{tag[:4]}0000"],
        ),
    )
    await replicated(client, admin, {"phone": f"+86139{tag[:4]}0000"}, ids["marge"])
    await replicated(client, admin, {"email": f"hank-{tag}@{DOMAIN}"}, ids["hank"])
    return ids


async def replicated(client, admin, params, contact_id):
    async def matched():
        found = (await client.get("/customer-matches", params=params, headers=admin)).json()
        return (found or {}).get("contact_id") == contact_id

    await eventually(matched, timeout=30)


@pytest.fixture(scope="module")
async def form(app_client, admin):
    return await create_form(app_client[1], admin, campaign="spring")


async def submit(client, form, admin, **fields) -> dict:
    """Post a submission; the submission once processed."""
    response = await client.post(
        f"/forms/{form['id']}/submissions", json=fields, headers={"x-forwarded-for": new_ip()}
    )
    assert response.status_code == 202, response.text
    submission_id = response.json()["id"]

    async def processed():
        found = (await client.get(f"/submissions/{submission_id}", headers=admin)).json()
        return found if found["status"] == "processed" else None

    return await eventually(processed)


async def leads_matching(client, admin, text) -> list[dict]:
    return (await client.get("/leads", params={"q": text}, headers=admin)).json()["items"]


async def test_a_known_contact_by_email_is_recorded_on_the_customer(client, form, admin, known, broker):
    email = f"hank-{known['tag']}@{DOMAIN}"
    submission = await submit(client, form, admin, name="Hank", email=email.upper(), message="renew please")
    assert submission["lead_id"] is None and submission["matched_by"] == "contact email"
    assert submission["contact_id"] == known["hank"] and submission["account_id"] == known["account"]
    assert submission["customer_owner_id"] == OWNER
    assert await leads_matching(client, admin, email) == []
    interactions = await read_topic(
        broker.bootstrap_servers,
        INTERACTIONS.name,
        lambda rs: any(json.loads(r.value)["record_id"] == submission["id"] for r in rs),
    )
    interaction = next(
        json.loads(r.value) for r in interactions if json.loads(r.value)["record_id"] == submission["id"]
    )
    assert interaction["contact_id"] == known["hank"] and interaction["account_id"] == known["account"]
    assert interaction["lead_id"] is None and interaction["email"] == email
    assert "known customer, matched by contact email" in interaction["summary"]
    assert interaction["summary"].endswith("renew please")
    records = await read_topic(
        broker.bootstrap_servers,
        LEADS_SUBMISSION.name,
        lambda rs: any(r.key == submission["id"].encode() and b"customer-matched" in r.value for r in rs),
    )
    matched = next(
        json.loads(r.value)
        for r in records
        if r.key == submission["id"].encode() and b"customer-matched" in r.value
    )
    assert matched["owner_id"] == OWNER and matched["team_id"] == TEAM
    assert matched["contact_id"] == known["hank"] and matched["matched_by"] == "contact email"
    # the owner sees it in their list, a manager of the team too, another rep does not
    owner = user_headers(OWNER, Role.REP, TEAM)
    mine = (await client.get("/customer-submissions", headers=owner)).json()
    assert submission["id"] in {s["id"] for s in mine}
    team = await client.get("/customer-submissions", params={"contact_id": known["hank"]}, headers=MANAGER)
    assert [s["id"] for s in team.json()] == [submission["id"]]
    other = (
        await client.get("/customer-submissions", headers=user_headers(OTHER_REP, Role.REP, TEAM))
    ).json()
    assert other == []


async def test_a_known_contact_by_phone_follows_the_accounts_owner(client, form, admin, known):
    submission = await submit(client, form, admin, name="M", phone=f"139 {known['tag'][:4]} 0000")
    assert submission["lead_id"] is None and submission["matched_by"] == "contact phone"
    assert submission["contact_id"] == known["marge"] and submission["customer_owner_id"] == OWNER


async def test_a_known_account_by_domain_and_name_takes_a_new_colleague(client, form, admin, known):
    submission = await submit(
        client,
        form,
        admin,
        name="Frank Grimes",
        email=f"frank@{DOMAIN}",
        company=f" GLOBEX   {known['tag']} ",
    )
    assert submission["lead_id"] is None and submission["matched_by"] == "account domain and name"
    assert submission["account_id"] == known["account"] and submission["contact_id"] is None
    # same domain, another company name: not the known account, a lead
    other = await submit(client, form, admin, name="Frank", email=f"frank2@{DOMAIN}", company="Globex Labs")
    assert other["lead_id"] and other["matched_by"] is None


async def test_replica_follows_updates_and_deletes(client, form, admin, publish):
    tag = uuid.uuid4().hex[:6]
    old, new = f"old-{tag}@example.cn", f"new-{tag}@example.cn"
    lead = await submit(
        client, form, admin, name="Early Bird", email=new
    )  # a lead before the contact existed
    assert lead["lead_id"]
    contact = f"c-{tag}"
    await publish(ContactCreatedV1(aggregate_id=contact, name="C", emails=[old], owner_id=OWNER))
    await replicated(client, admin, {"email": old}, contact)
    await publish(ContactUpdatedV1(aggregate_id=contact, name="C", emails=[new], owner_id=OWNER))
    await replicated(client, admin, {"email": new}, contact)
    assert (await client.get("/customer-matches", params={"email": old}, headers=admin)).json() is None
    # a known contact wins over an older lead with the same email: the customer is who they are now
    again = await submit(client, form, admin, name="Early Bird", email=new, message="second time")
    assert again["lead_id"] is None and again["contact_id"] == contact
    assert (await submit(client, form, admin, name="Old", email=old))["lead_id"]  # no longer known
    await publish(ContactDeletedV1(aggregate_id=contact, owner_id=OWNER))

    async def forgotten():
        return (await client.get("/customer-matches", params={"email": new}, headers=admin)).json() is None

    await eventually(forgotten)
    third = await submit(client, form, admin, name="Early Bird", email=new, message="third time")
    assert third["lead_id"] == lead["lead_id"]  # merged into the existing lead again


async def test_the_match_probe_is_for_managers(client):
    response = await client.get("/customer-matches", headers=user_headers(OTHER_REP, Role.REP, TEAM))
    assert response.status_code == 403
