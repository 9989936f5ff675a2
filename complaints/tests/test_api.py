import json

import pytest
import time_machine

from audit.models import Event
from complaints.models import (
    ComplainantIdentity,
    Complaint,
    ComplaintRating,
    normalize_tracking_code,
)
from complaints.tests.conftest import CONTENT, REPLY, assign, file_web, reply, verify

pytestmark = pytest.mark.django_db

INTAKE = {
    "campaign": "c-2026",
    "target": "county-a",
    "kind": "complaint",
    "category": "efficiency",
    "content": CONTENT,
    "name": "欧阳秘密",
    "phone": "13988886666",
}


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


@time_machine.travel("2026-07-15 10:00 +0800", tick=False)
def test_the_public_files_through_the_api_and_gets_a_code_and_due_date(client, cast):
    response = _post(client, "/api/v1/complaints/intake", INTAKE)
    assert response.status_code == 201
    body = response.json()
    complaint = Complaint.objects.get()
    assert normalize_tracking_code(body["tracking_code"]) == complaint.tracking_code
    assert body["due_date"] == "2026-08-05"
    assert complaint.channel == "web"
    assert ComplainantIdentity.objects.filter(complaint=complaint).exists()


def test_api_intake_errors_name_the_field(client, cast):
    response = _post(client, "/api/v1/complaints/intake", {**INTAKE, "target": "prov", "phone": ""})
    assert response.status_code == 422
    fields = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert ("body", "target") in fields and ("body", "phone") in fields
    bad_choice = _post(client, "/api/v1/complaints/intake", {**INTAKE, "category": "gossip"})
    assert bad_choice.status_code == 422
    assert not Complaint.objects.exists()


def test_an_unknown_campaign_is_404(client, cast):
    response = _post(client, "/api/v1/complaints/intake", {**INTAKE, "campaign": "nope"})
    assert response.status_code == 404


def test_tracking_by_code_shows_progress_and_the_verified_reply_without_notes(client, cast):
    complaint = file_web(cast)
    assign(cast, complaint, note="内部备注")
    reply(cast, complaint)
    url = "/api/v1/complaints/track"
    body = _post(client, url, {"code": complaint.tracking_code}).json()
    assert body["status"] == "replied" and body["reply"] is None
    verify(cast, complaint)
    body = _post(client, url, {"code": complaint.tracking_code.lower()}).json()
    assert body["reply"]["text"] == REPLY
    assert [s["status"] for s in body["steps"]] == ["received", "assigned", "replied", "verified"]
    text = json.dumps(body, ensure_ascii=False)
    assert "内部备注" not in text and "欧阳秘密" not in text and "13988886666" not in text
    assert _post(client, url, {"code": "AAAABBBBCCCC"}).status_code == 404


def test_tracking_shows_the_public_closing_reason_but_not_the_staff_note(client, cast):
    from complaints.access import ComplaintAccess
    from complaints.actions import do_close_complaint

    complaint = file_web(cast)
    do_close_complaint(
        ComplaintAccess(cast.organizer, complaint),
        note="内部备注NT55",
        public_note="重复投诉（理由PB31）",
        acting_user=cast.organizer,
    )
    body = _post(client, "/api/v1/complaints/track", {"code": complaint.tracking_code}).json()
    assert body["status"] == "closed"
    assert body["closing_reason"] == "重复投诉（理由PB31）"
    assert body["steps"][-1] == {
        "status": "closed",
        "at": body["steps"][-1]["at"],
        "public_note": "重复投诉（理由PB31）",
    }
    assert body["steps"][0]["public_note"] == ""
    assert "NT55" not in json.dumps(body, ensure_ascii=False)


def test_the_tracking_code_never_travels_in_a_url(client, cast):
    """Request lines end up in the access log; the code goes in the body."""
    complaint = file_web(cast)
    code = complaint.tracking_code
    assert client.get(f"/api/v1/complaints/track/{code}").status_code in (404, 405)
    rating = _post(client, f"/api/v1/complaints/track/{code}/rating", {"rating": "satisfied"})
    assert rating.status_code in (404, 405)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith("/api/v1/complaints/track/{")]


def test_the_complainant_rates_through_the_api_once(client, cast):
    complaint = file_web(cast)
    assign(cast, complaint)
    reply(cast, complaint)
    verify(cast, complaint)
    url = "/api/v1/complaints/track/rating"
    code = complaint.tracking_code
    body = _post(client, url, {"code": code, "rating": "satisfied"}).json()
    assert body["rating"] == "satisfied" and body["reply"]["text"] == REPLY
    assert _post(client, url, {"code": code, "rating": "unsatisfied"}).status_code == 422
    assert _post(client, url, {"code": "AAAABBBBCCCC", "rating": "satisfied"}).status_code == 404
    assert ComplaintRating.objects.get().rating == "satisfied"


def test_staff_endpoints_need_a_login(client, cast):
    complaint = file_web(cast)
    assert client.get("/api/v1/complaints/campaigns/c-2026").status_code == 401
    assert client.get(f"/api/v1/complaints/{complaint.pk}").status_code == 401
    assert client.get(f"/api/v1/complaints/{complaint.pk}/identity").status_code == 401


def test_the_staff_list_filters_by_status(login, cast):
    first = file_web(cast, content="第一件")
    file_web(cast, content="第二件")
    assign(cast, first)
    client = login(cast.organizer)
    listing = client.get("/api/v1/complaints/campaigns/c-2026?status=assigned").json()
    assert listing["count"] == 1 and listing["items"][0]["content"] == "第一件"
    assert client.get("/api/v1/complaints/campaigns/c-2026").json()["count"] == 2


def test_the_staff_detail_has_steps_replies_and_attachments_but_no_identity_fields(login, cast):
    from complaints.tests.conftest import upload

    complaint = file_web(cast, attachments=[upload()])
    assign(cast, complaint, note="请核实")
    reply(cast, complaint)
    body = login(cast.liaison).get(f"/api/v1/complaints/{complaint.pk}").json()
    assert body["steps"][1]["note"] == "请核实" and body["replies"][0]["text"] == REPLY
    assert body["attachments"][0]["url"].endswith(
        f"/complaints/attachments/{complaint.attachments.get().pk}/"
    )
    forbidden = {"name", "phone", "address", "tracking_code", "is_anonymous", "identity"}
    assert not forbidden & set(body)


def test_the_identity_endpoint_is_audited_and_anonymous_complaints_have_none(login, cast):
    named, anonymous = file_web(cast), file_web(cast, anonymous=True)
    client = login(cast.organizer)
    body = client.get(f"/api/v1/complaints/{named.pk}/identity").json()
    assert body["name"] == "欧阳秘密"
    event = Event.objects.get(action="complaint.identity_viewed")
    assert event.data["via"] == "api"
    assert client.get(f"/api/v1/complaints/{anonymous.pk}/identity").status_code == 404
    assert Event.objects.filter(action="complaint.identity_viewed").count() == 1


def test_the_openapi_schema_documents_the_complaint_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/complaints/intake" in paths and "/api/v1/complaints/track" in paths
    assert "post" in paths["/api/v1/complaints/track"]
    assert "post" in paths["/api/v1/complaints/track/rating"]


def test_an_overlong_name_is_refused_by_field_not_by_the_database(client, cast):
    response = _post(client, "/api/v1/complaints/intake", {**INTAKE, "name": "名" * 101})
    assert response.status_code == 422
    assert ["body", "name"] in [e["loc"] for e in response.json()["detail"]]
    assert not Complaint.objects.exists()
