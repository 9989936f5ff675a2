import pytest
import time_machine

from audit.models import Event
from complaints.models import ComplainantIdentity, Complaint, format_tracking_code
from complaints.tests.conftest import CONTENT, REPLY, assign, file_web, reply, verify

pytestmark = pytest.mark.django_db


def _form(**extra):
    data = {
        "target": "county-a",
        "kind": "complaint",
        "category": "arbitrary_fees",
        "content": CONTENT,
        "name": "欧阳秘密",
        "phone": "13988886666",
    }
    data.update(extra)
    return data


def test_the_public_form_offers_the_campaigns_targets_without_login(client, cast):
    page = client.get("/complaints/c/c-2026/new/").content.decode()
    assert "甲县局" in page and "乙县局" in page and "丙县局" in page
    assert 'name="anonymous"' in page and 'type="file"' in page


def test_filing_shows_the_tracking_code_once_and_never_in_a_url(client, cast):
    response = client.post("/complaints/c/c-2026/new/", _form())
    assert response.status_code == 302 and response["Location"] == "/complaints/filed/"
    complaint = Complaint.objects.get()
    code = format_tracking_code(complaint.tracking_code)
    assert code in client.get("/complaints/filed/").content.decode()
    assert code not in client.get("/complaints/filed/").content.decode()
    assert ComplainantIdentity.objects.filter(complaint=complaint, name="欧阳秘密").exists()


def test_an_anonymous_filing_drops_whatever_was_typed_in_the_identity_fields(client, cast):
    client.post("/complaints/c/c-2026/new/", _form(anonymous="on"))
    complaint = Complaint.objects.get()
    assert complaint.is_anonymous
    assert not ComplainantIdentity.objects.exists()


def test_a_named_filing_without_a_phone_or_address_is_refused_by_field(client, cast):
    response = client.post("/complaints/c/c-2026/new/", _form(phone=""))
    assert response.status_code == 200
    assert "Give a phone number or an address" in response.content.decode()
    assert not Complaint.objects.exists()


def test_an_unknown_target_or_campaign_is_refused(client, cast):
    assert client.post("/complaints/c/c-2026/new/", _form(target="prov")).status_code == 200
    assert client.get("/complaints/c/no-such/new/").status_code == 404
    assert not Complaint.objects.exists()


def test_the_tracking_page_shows_progress_and_the_reply_only_once_verified(client, cast):
    complaint = file_web(cast)
    assign(cast, complaint, note="内部备注：请核查窗口监控")
    reply(cast, complaint)
    page = client.post("/complaints/track/", {"code": complaint.tracking_code}).content.decode()
    assert "Replied" in page and REPLY not in page and 'id="rate"' not in page
    assert "内部备注" not in page
    verify(cast, complaint)
    lowercase = format_tracking_code(complaint.tracking_code).lower()
    page = client.post("/complaints/track/", {"code": lowercase}).content.decode()
    assert REPLY in page and 'id="rate"' in page
    assert "欧阳秘密" not in page and "13988886666" not in page


def test_an_unknown_code_says_nothing_about_other_complaints(client, cast):
    file_web(cast)
    response = client.post("/complaints/track/", {"code": "AAAA-BBBB-CCCC"})
    page = response.content.decode()
    assert response.status_code == 404
    assert "No complaint matches this tracking code" in page and CONTENT not in page


def test_the_complainant_rates_the_reply_once_from_the_tracking_page(client, cast):
    complaint = file_web(cast)
    assign(cast, complaint)
    reply(cast, complaint)
    verify(cast, complaint)
    code = format_tracking_code(complaint.tracking_code)
    page = client.post("/complaints/track/rate/", {"code": code, "rating": "satisfied"})
    assert "Thank you" in page.content.decode() and 'id="rate"' not in page.content.decode()
    again = client.post("/complaints/track/rate/", {"code": code, "rating": "unsatisfied"})
    assert again.status_code == 400
    assert complaint.rating.rating == "satisfied"
    assert Event.objects.filter(action="complaint.rated").count() == 1


def test_the_staff_list_filters_by_status_and_paginates(login, cast):
    for n in range(27):
        file_web(cast, anonymous=True, content=f"投诉 {n:02d} 号")
    assign(cast, Complaint.objects.get(content="投诉 05 号"))
    client = login(cast.organizer)
    first = client.get("/complaints/c/c-2026/").content.decode()
    assert first.count("投诉 ") == 25 and "?page=2" in first
    filtered = client.get("/complaints/c/c-2026/?status=assigned").content.decode()
    assert "投诉 05 号" in filtered and "投诉 06 号" not in filtered
    # the filter survives paging
    received = client.get("/complaints/c/c-2026/?status=received").content.decode()
    assert "?status=received&amp;page=2" in received


def test_the_export_is_scoped_and_has_no_identity_columns(login, cast):
    named = file_web(cast, content='=HYPERLINK("http://evil")')
    assign(cast, named)
    file_web(cast, unit="county-b", content="乙县的投诉")
    organizer = login(cast.organizer).get("/complaints/c/c-2026/export.csv")
    text = organizer.content.decode("utf-8-sig")
    header = text.splitlines()[0]
    assert header.startswith("number,") and "name" not in header and "phone" not in header
    assert "乙县的投诉" in text and "'=HYPERLINK" in text
    liaison = login(cast.liaison).get("/complaints/c/c-2026/export.csv").content.decode()
    assert "乙县的投诉" not in liaison and "HYPERLINK" in liaison


@pytest.mark.parametrize("who", ["evaluator", "tallier", "nobody"])
def test_roles_without_complaint_duties_cannot_open_the_lists(login, cast, who):
    client = login(getattr(cast, who))
    for url in ("/complaints/c/c-2026/", "/complaints/c/c-2026/export.csv"):
        assert client.get(url).status_code == 403


def test_staff_pages_need_a_login(client, cast):
    response = client.get("/complaints/c/c-2026/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@time_machine.travel("2026-08-10 10:00 +0800", tick=False)
def test_the_organizer_records_a_letter_and_gets_the_code_to_pass_on(login, cast):
    client = login(cast.organizer)
    response = client.post(
        "/complaints/c/c-2026/enter/",
        _form(channel="letter", received_on="2026-08-05", address="幸福路88号", phone=""),
        follow=True,
    )
    complaint = Complaint.objects.get()
    assert complaint.channel == "letter" and str(complaint.received_on) == "2026-08-05"
    assert format_tracking_code(complaint.tracking_code) in response.content.decode()


def test_a_liaison_cannot_open_the_staff_entry_form(login, cast):
    assert login(cast.liaison).get("/complaints/c/c-2026/enter/").status_code == 403


def test_the_case_flows_through_one_view_per_action(login, cast):
    complaint = file_web(cast)
    organizer, liaison = login(cast.organizer), None
    organizer.post(f"/complaints/{complaint.pk}/assign/", {"note": "请答复"})
    liaison = login(cast.liaison)
    liaison.post(f"/complaints/{complaint.pk}/reply/", {"text": REPLY})
    organizer = login(cast.organizer)
    organizer.post(f"/complaints/{complaint.pk}/verify/", {})
    page = organizer.post(f"/complaints/{complaint.pk}/close/", {}, follow=True).content.decode()
    assert "Complaint closed." in page
    statuses = list(complaint.steps.order_by("seq").values_list("status", flat=True))
    assert statuses == ["received", "assigned", "replied", "verified", "closed"]


def test_closing_without_a_reply_shows_the_public_reason_to_the_complainant_only(
    login, client, cast
):
    complaint = file_web(cast)
    organizer = login(cast.organizer)
    detail = organizer.get(f"/complaints/{complaint.pk}/").content.decode()
    assert 'name="public_note"' in detail
    refused = organizer.post(f"/complaints/{complaint.pk}/close/", {"note": "内部"}, follow=True)
    assert "Give the complainant the reason" in refused.content.decode()
    assert complaint.steps.count() == 1
    organizer.post(
        f"/complaints/{complaint.pk}/close/",
        {"note": "内部备注NT55", "public_note": "重复投诉，已并入前一件办理（理由PB31）"},
    )
    assert list(complaint.steps.values_list("status", flat=True)) == ["received", "closed"]
    staff_page = organizer.get(f"/complaints/{complaint.pk}/").content.decode()
    assert "NT55" in staff_page and "PB31" in staff_page

    organizer.logout()
    page = client.post("/complaints/track/", {"code": complaint.tracking_code}).content.decode()
    assert "PB31" in page and "NT55" not in page


def test_a_refused_step_is_shown_as_a_message_and_changes_nothing(login, cast):
    complaint = file_web(cast)
    client = login(cast.organizer)
    page = client.post(f"/complaints/{complaint.pk}/verify/", {}, follow=True).content.decode()
    assert "that step is not possible now" in page
    assert complaint.steps.count() == 1


def test_a_liaison_posting_to_an_organizer_action_is_refused(login, cast):
    complaint = file_web(cast)
    assign(cast, complaint)
    response = login(cast.liaison).post(f"/complaints/{complaint.pk}/close/", {"note": "x"})
    assert response.status_code == 403
    assert complaint.steps.count() == 2


SENSITIVE = ("name", "phone", "address")


def _reported_post(response) -> dict:
    """The POST data as Django's error report would show it (to admins, in logs)."""
    from django.views.debug import SafeExceptionReporterFilter

    request = response.wsgi_request
    return SafeExceptionReporterFilter().get_post_parameters(request)


def test_error_reports_never_show_the_identity_typed_into_the_public_form(client, cast):
    response = client.post("/complaints/c/c-2026/new/", _form(category="gossip"))
    assert response.status_code == 200  # refused: the view ran and marked the fields
    reported = _reported_post(response)
    assert not [value for value in reported.values() if value in ("欧阳秘密", "13988886666")]
    assert set(SENSITIVE) <= set(response.wsgi_request.sensitive_post_parameters)
    assert reported["content"] == CONTENT  # only the identity is hidden


def test_error_reports_never_show_the_identity_typed_into_the_staff_form(login, cast):
    response = login(cast.organizer).post(
        "/complaints/c/c-2026/enter/", _form(channel="letter", received_on="")
    )
    assert response.status_code == 200
    reported = _reported_post(response)
    assert reported["name"] != "欧阳秘密" and reported["phone"] != "13988886666"
    assert set(SENSITIVE) <= set(response.wsgi_request.sensitive_post_parameters)


def test_the_identity_view_is_marked_sensitive(login, cast):
    complaint = file_web(cast)
    response = login(cast.organizer).post(f"/complaints/{complaint.pk}/identity/")
    assert response.status_code == 200
    assert set(SENSITIVE) <= set(response.wsgi_request.sensitive_post_parameters)
