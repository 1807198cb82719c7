"""Delta queries, paging and calendarView windows, as documented.

* https://learn.microsoft.com/en-us/graph/api/event-delta (sample: ``GET /me/calendarView/delta?startdatetime=…&
  enddatetime=…`` with ``Prefer: odata.maxpagesize=2``; ``@removed`` for deleted events and for events changed
  outside the window; $select/$filter/$expand/$orderby/$search not supported)
* https://learn.microsoft.com/en-us/graph/delta-query-overview (nextLink/deltaLink rounds, @removed, 410 Gone
  with Location, syncStateNotFound for an expired token)
* https://learn.microsoft.com/en-us/graph/api/contact-delta, https://learn.microsoft.com/en-us/graph/api/todotask-delta
* https://learn.microsoft.com/en-us/graph/paging (odata.maxpagesize, Preference-Applied)
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from graphemu_support import event_body

WINDOW = {"startdatetime": "2026-12-01T00:00:00Z", "enddatetime": "2026-12-31T00:00:00Z"}


def _round(me, url, params=None, page_size=2):
    pages, link = [], url
    while True:
        answer = me.get(link, params=params, headers={"Prefer": f'IdType="ImmutableId", odata.maxpagesize={page_size}'})
        assert answer.status_code == 200, answer.text
        pages.append(answer.json())
        params = None
        if "@odata.nextLink" in answer.json():
            assert "$skiptoken=" in answer.json()["@odata.nextLink"]
            link = answer.json()["@odata.nextLink"]
            continue
        assert "$deltatoken=" in answer.json()["@odata.deltaLink"]
        return pages, answer.json()["@odata.deltaLink"]


def test_event_delta_sample_request_pages_by_maxpagesize_and_ends_with_a_delta_link(me, emu):
    for day in range(1, 6):
        assert me.post("/me/events", json=event_body(f"E{day}", f"2026-12-{10 + day}T10:00:00",
                                                      f"2026-12-{10 + day}T11:00:00")).status_code == 201
    first = me.get("/me/calendarView/delta", params=WINDOW, headers={"Prefer": "odata.maxpagesize=2"})
    assert first.headers["Preference-Applied"] == "odata.maxpagesize=2"
    pages, delta_link = _round(me, "/me/calendarView/delta", WINDOW)
    assert [len(p["value"]) for p in pages] == [2, 2, 1]
    assert {e["subject"] for p in pages for e in p["value"]} == {f"E{d}" for d in range(1, 6)}
    # the token encodes the window: the next round needs no startDateTime/endDateTime
    assert "startdatetime" not in parse_qs(urlsplit(delta_link).query)
    nothing, _ = _round(me, delta_link)
    assert nothing == [{"@odata.context": nothing[0]["@odata.context"], "value": [], "@odata.deltaLink": nothing[0][
        "@odata.deltaLink"]}]


def test_a_new_round_lists_changes_and_removals_and_changes_outside_the_window(me):
    inside = me.post("/me/events", json=event_body("inside")).json()
    gone = me.post("/me/events", json=event_body("gone")).json()
    moved = me.post("/me/events", json=event_body("moved")).json()
    _, link = _round(me, "/me/calendarView/delta", WINDOW)
    assert me.patch(f"/me/events/{inside['id']}", json={"subject": "inside, renamed"}).status_code == 200
    assert me.delete(f"/me/events/{gone['id']}").status_code == 204
    # moved out of the window: the round reports it under @removed although it still exists (event-delta)
    assert me.patch(f"/me/events/{moved['id']}", json={
        "start": {"dateTime": "2027-03-01T10:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2027-03-01T11:00:00", "timeZone": "UTC"}}).status_code == 200
    outside = me.post("/me/events", json=event_body("outside", "2027-05-01T10:00:00", "2027-05-01T11:00:00")).json()
    pages, _ = _round(me, link, page_size=10)
    entries = {e["id"]: e for p in pages for e in p["value"]}
    assert entries[inside["id"]]["subject"] == "inside, renamed"
    for item in (gone, moved, outside):
        assert entries[item["id"]] == {"id": item["id"], "@removed": {"reason": "deleted"}}


def test_calendar_view_delta_refuses_query_options_it_does_not_support(me):
    for option in ("$select", "$filter", "$orderby"):
        answer = me.get("/me/calendarView/delta", params={**WINDOW, option: "subject"})
        assert answer.status_code == 400, option


def test_calendar_view_needs_its_window(me):
    answer = me.get("/me/calendarView/delta")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "ErrorInvalidParameter"


def test_an_expired_delta_token_answers_sync_state_not_found(me, emu):
    me.post("/me/events", json=event_body())
    _, link = _round(me, "/me/calendarView/delta", WINDOW)
    emu.expire_delta_tokens()
    answer = me.get(link)
    assert answer.status_code == 410 and answer.json()["error"]["code"] == "syncStateNotFound"


def test_faults_synchronization_reset_and_expiry(me, emu):
    _, link = _round(me, "/me/calendarView/delta", WINDOW)
    emu.faults.delta_reset(op="event_delta")
    reset = me.get(link)
    # "410 (gone) and a Location header containing a request URL with an empty $deltaToken"
    assert reset.status_code == 410 and reset.headers["Location"].endswith("/me/calendarView/delta?$deltatoken=")
    emu.faults.sync_state_not_found(op="event_delta")
    assert me.get(link).json()["error"]["code"] == "syncStateNotFound"
    assert me.get(link).status_code == 200


def test_paging_tokens_can_be_used_again(me):
    for n in range(3):
        me.post("/me/events", json=event_body(f"E{n}"))
    first = me.get("/me/calendarView/delta", params=WINDOW, headers={"Prefer": "odata.maxpagesize=1"}).json()
    again = [me.get(first["@odata.nextLink"], headers={"Prefer": "odata.maxpagesize=1"}).json() for _ in range(2)]
    assert again[0]["value"] == again[1]["value"]


def test_contact_delta_with_select_in_the_default_folder_by_its_well_known_name(me):
    created = me.post("/me/contacts", json={"givenName": "Pavel", "surname": "Bansky",
                                            "emailAddresses": [{"address": "pavelb@contoso.com", "name": "Pavel"}],
                                            "businessPhones": ["+1 732 555 0102"]}).json()
    first = me.get("/me/contactFolders/contacts/contacts/delta", params={"$select": "displayName,givenName"}).json()
    assert [c["displayName"] for c in first["value"]] == ["Pavel Bansky"]
    assert "surname" not in first["value"][0]
    me.delete(f"/me/contacts/{created['id']}")
    second = me.get(first["@odata.deltaLink"]).json()
    assert second["value"] == [{"id": created["id"], "@removed": {"reason": "deleted"}}]


def test_todo_task_delta_keeps_its_expand_across_pages(me):
    lists = me.get("/me/todo/lists").json()["value"]
    default = next(tl for tl in lists if tl["wellknownListName"] == "defaultList")
    for n in range(3):
        answer = me.post(f"/me/todo/lists/{default['id']}/tasks", json={
            "title": f"T{n}", "linkedResources": [{"webUrl": "http://microsoft.com", "applicationName": "Microsoft",
                                                   "displayName": "Microsoft", "externalId": f"ext-{n}"}]})
        assert answer.status_code == 201
    pages, _ = _round(me, f"/me/todo/lists/{default['id']}/tasks/delta", {"$expand": "linkedResources"}, page_size=2)
    tasks = [t for p in pages for t in p["value"]]
    assert sorted(t["linkedResources"][0]["externalId"] for t in tasks) == ["ext-0", "ext-1", "ext-2"]
