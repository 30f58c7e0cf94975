"""CSV import and export of accounts and contacts: per-row errors, dedupe, events, visibility."""

import csv
import io


def upload(text: str) -> dict:
    return {"file": ("book.csv", text.encode(), "text/csv")}


async def test_import_and_export_accounts_and_contacts(client, org, admin, events):
    _, rep = org["rep"]
    await client.post(
        "/custom-fields",
        headers=admin,
        json={
            "entity": "account",
            "key": "segment",
            "label": "Segment",
            "type": "select",
            "options": ["smb", "ent"],
        },
    )
    existing = (await client.post("/accounts", json={"name": "Old", "domain": "old.cn"}, headers=rep)).json()
    accounts_csv = (
        "name,domain,industry,phones,tier,cf_segment\n"
        "Alpha,alpha.cn,retail,010 6552 9988;13800138000,A,smb\n"
        "Old again,www.OLD.cn,,,,\n"  # duplicate of a known domain
        "Alpha copy,alpha.cn,,,,\n"  # duplicate of an earlier row
        ",nameless.cn,,,,\n"  # no name
        "Bad phone,bad.cn,,12,,\n"
        "Bad option,opt.cn,,,,huge\n"
        "Beta,beta.cn,,,B,\n"
    )
    result = await client.post("/accounts/import", files=upload(accounts_csv), headers=rep)
    assert result.status_code == 200, result.text
    body = result.json()
    assert (body["total"], body["created"], body["duplicates"]) == (7, 2, 2)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [
        (4, "name"),
        (5, "phones.0"),
        (6, "custom_fields.segment"),
    ]
    alpha = (await client.get(f"/accounts/{body['created_ids'][0]}", headers=rep)).json()
    assert alpha["phones"] == ["+861065529988", "+8613800138000"] and alpha["custom_fields"] == {
        "segment": "smb"
    }
    assert alpha["source_type"] == "import"
    created = [e["name"] for e in await events("sales.account.created")]
    assert created == ["Old", "Alpha", "Beta"]  # the outbox keeps the order of the writes

    contacts_csv = (
        "name,account_id,title,emails,phones,key_person\n"
        f"Ann,{alpha['id']},CEO,ann@alpha.cn,,yes\n"
        f"Ann twin,{alpha['id']},,ANN@alpha.cn,,\n"
        f"Bo,{existing['id']},,bo@old.cn,13900139000,no\n"
        f"Hidden,{'x' * 36},,h@x.cn,,\n"
    )
    result = (await client.post("/contacts/import", files=upload(contacts_csv), headers=rep)).json()
    assert (result["created"], result["duplicates"]) == (2, 1)
    assert [(e["row"], e["field"]) for e in result["errors"]] == [(4, "account_id")]

    exported = await client.get("/accounts/export", headers=rep)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    by_name = {r["name"]: r for r in rows}  # rows of one import share a creation time: no order among them
    assert sorted(by_name) == ["Alpha", "Beta", "Old"]
    assert by_name["Alpha"]["phones"] == "+861065529988;+8613800138000"
    assert by_name["Alpha"]["cf_segment"] == "smb"
    contacts = list(csv.DictReader(io.StringIO((await client.get("/contacts/export", headers=rep)).text)))
    assert {r["name"]: r["key_person"] for r in contacts} == {"Ann": "True", "Bo": "False"}

    outsider = org["blue"][1]
    assert (
        list(csv.DictReader(io.StringIO((await client.get("/accounts/export", headers=outsider)).text))) == []
    )
    assert "Ann" not in (await client.get("/contacts/export", headers=outsider)).text
    not_csv = await client.post("/accounts/import", files=upload("just,words\n1,2\n"), headers=rep)
    assert not_csv.status_code == 422 and not_csv.json()["errors"][0]["field"] == "file"


async def test_bodies_are_capped_but_an_upload_may_be_larger(client, org):
    _, rep = org["rep"]
    large = {"name": "Big Co", "notes": "x" * (1024 * 1024 + 1)}  # over the JSON routes' 1 MiB cap
    refused = await client.post("/accounts", json=large, headers=rep)
    assert refused.status_code == 413 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["status"] == 413

    async def streamed():  # no Content-Length: counted as it arrives
        for _ in range(20):
            yield b"x" * 65536

    json_type = {**rep, "Content-Type": "application/json"}
    chunked = await client.post("/accounts", content=streamed(), headers=json_type)
    assert chunked.status_code == 413 and chunked.json() | {"instance": None} == refused.json() | {
        "instance": None}  # the same problem either way
    assert refused.json()["detail"] == "The body is over the 1048576 byte limit."

    rows = "name,domain\n" + "".join(f"Co {n},co{n}.example\n" for n in range(200)) + "#" * (2 * 1024 * 1024)
    upload_2mb = await client.post("/accounts/import", files=upload(rows), headers=rep)  # its cap: 5 MB
    assert upload_2mb.status_code == 422, upload_2mb.text  # taken, then refused for its 2 MB cell
    assert upload_2mb.json()["errors"][0]["field"] == "file" and "field limit" in upload_2mb.text
