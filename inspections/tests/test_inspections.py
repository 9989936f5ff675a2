from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import Event
from inspections.models import Finding, FindingEvidence, Inspection, InspectionKind
from inspections.tests.conftest import VISIT, as_, record_finding, record_inspection
from rectification.models import RectificationItem, Source

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_an_inspector_records_a_covert_inspection(cast):
    inspection = record_inspection(cast)

    assert inspection.kind == InspectionKind.COVERT
    assert list(inspection.inspectors.all()) == [cast.inspector]
    event = Event.objects.get(action="inspection.recorded")
    assert event.data["target"] == "county-a" and event.data["kind"] == "covert"


def test_a_liaison_cannot_record_an_inspection_and_nothing_changes(cast):
    events = Event.objects.count()
    with pytest.raises(PermissionDenied):
        record_inspection(cast, user=cast.liaison)
    assert Inspection.objects.count() == 0
    assert Event.objects.count() == events


def test_inspectors_must_hold_an_inspecting_role_in_the_campaign(cast):
    with pytest.raises(ValidationError) as error:
        from inspections.actions import do_record_inspection

        do_record_inspection(
            as_(cast, cast.organizer),
            cast.target("county-a"),
            kind=InspectionKind.OPEN,
            date=VISIT,
            place="甲县局",
            inspectors=[cast.liaison],
            acting_user=cast.organizer,
        )
    assert "inspectors" in error.value.message_dict
    assert Inspection.objects.count() == 0


def test_an_inspection_is_recorded_after_the_visit_not_before(cast):
    from inspections.actions import do_record_inspection

    with pytest.raises(ValidationError):
        do_record_inspection(
            as_(cast, cast.inspector),
            cast.target("county-a"),
            kind=InspectionKind.COVERT,
            date=timezone.localdate() + timedelta(days=1),
            place="甲县局",
            inspectors=[cast.inspector],
            acting_user=cast.inspector,
        )
    assert Inspection.objects.count() == 0


def test_a_finding_puts_an_item_with_its_deadline_on_the_ledger(cast, inspection):
    finding = record_finding(cast, inspection, deadline=date(2026, 8, 20))

    item = RectificationItem.objects.get()
    assert finding.rectification_item == item
    assert Finding.objects.get().rectification_item_id == item.pk
    assert item.target == cast.target("county-a")
    assert item.source == Source.FINDING
    assert item.source_ref == f"inspections.finding:{finding.pk}"
    assert item.deadline == date(2026, 8, 20)
    assert item.problem == "窗口工作人员上班时间玩手机"
    actions = list(Event.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["rectification.item_opened", "inspection.finding_recorded"]


def test_a_deadline_before_the_visit_is_refused_and_nothing_is_written(cast, inspection):
    events = Event.objects.count()
    with pytest.raises(ValidationError) as error:
        record_finding(cast, inspection, deadline=VISIT - timedelta(days=1))
    assert "deadline" in error.value.message_dict
    assert Finding.objects.count() == 0 and RectificationItem.objects.count() == 0
    assert Event.objects.count() == events


def test_an_evaluator_cannot_issue_findings(cast, inspection):
    from inspections.actions import do_record_finding

    with pytest.raises(PermissionDenied):
        do_record_finding(
            as_(cast, cast.evaluator),
            inspection,
            description="问题",
            severity="minor",
            deadline=date(2026, 8, 1),
            acting_user=cast.evaluator,
        )
    assert Finding.objects.count() == 0 and RectificationItem.objects.count() == 0


def test_evidence_is_stored_under_a_random_name(cast, inspection):
    upload = SimpleUploadedFile("张三窗口照片.png", PNG, content_type="image/png")
    finding = record_finding(cast, inspection, evidence=[upload])

    evidence = FindingEvidence.objects.get(finding=finding)
    assert evidence.extension == "png" and evidence.content_type == "image/png"
    assert "张三" not in evidence.file.name
    assert evidence.file.name.startswith("inspections/evidence/")
    with evidence.file.open("rb") as handle:
        assert handle.read() == PNG


def test_a_file_of_an_unaccepted_type_rejects_the_whole_finding(cast, inspection, settings):
    upload = SimpleUploadedFile("x.exe", b"MZ\x90\x00\x03\x00\x00\x00", content_type="x")
    with pytest.raises(ValidationError):
        record_finding(cast, inspection, evidence=[upload])
    assert Finding.objects.count() == 0 and RectificationItem.objects.count() == 0
    media = settings.MEDIA_ROOT / "inspections"
    assert not media.exists() or not any(media.rglob("*.*"))


def test_a_covert_inspection_is_hidden_from_the_liaison_until_a_finding_is_issued(
    cast, inspection, login
):
    client = login(cast.liaison)
    list_url = reverse("inspections:inspection_list", args=[cast.campaign.code])
    detail_url = reverse("inspections:inspection", args=[inspection.pk])
    assert "甲县政务服务中心" not in client.get(list_url).content.decode()
    assert client.get(detail_url).status_code == 404
    # staff see it from the start
    assert login(cast.organizer).get(detail_url).status_code == 200

    record_finding(cast, inspection)

    client = login(cast.liaison)
    assert "甲县政务服务中心" in client.get(list_url).content.decode()
    page = client.get(detail_url)
    assert page.status_code == 200 and "窗口工作人员上班时间玩手机" in page.content.decode()


def test_an_open_inspection_is_visible_to_the_liaison_at_once(cast, login):
    inspection = record_inspection(cast, kind=InspectionKind.OPEN)
    page = login(cast.liaison).get(reverse("inspections:inspection", args=[inspection.pk]))
    assert page.status_code == 200


def test_the_liaison_of_another_county_gets_404_and_nothing_changes(cast, inspection, login):
    finding = record_finding(
        cast,
        inspection,
        evidence=[SimpleUploadedFile("a.png", PNG)],
    )
    evidence = finding.evidence.get()
    client = login(cast.other_liaison)
    for name, arg in [
        ("inspections:inspection", inspection.pk),
        ("inspections:notice_docx", inspection.pk),
        ("inspections:notice_pdf", inspection.pk),
        ("inspections:evidence", evidence.pk),
        ("inspections:finding_create", inspection.pk),
    ]:
        assert client.get(reverse(name, args=[arg])).status_code == 404, name
    events = Event.objects.count()
    response = client.post(
        reverse("inspections:finding_create", args=[inspection.pk]),
        {"description": "伪造", "severity": "minor", "deadline": "2026-08-01"},
    )
    assert response.status_code == 404
    assert Finding.objects.count() == 1 and Event.objects.count() == events
    assert (
        "甲县政务服务中心"
        not in client.get(
            reverse("inspections:inspection_list", args=[cast.campaign.code])
        ).content.decode()
    )


def test_evidence_is_served_to_staff_and_the_target_liaison(cast, inspection, login):
    finding = record_finding(cast, inspection, evidence=[SimpleUploadedFile("a.png", PNG)])
    url = reverse("inspections:evidence", args=[finding.evidence.get().pk])
    for user in (cast.organizer, cast.liaison):
        response = login(user).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == PNG
        assert "a.png" not in response["Content-Disposition"]


@time_machine.travel("2026-07-12 10:00 +0800", tick=False)
def test_an_inspector_records_an_inspection_and_a_finding_through_the_pages(cast, login):
    client = login(cast.inspector)
    response = client.post(
        reverse("inspections:inspection_create", args=[cast.campaign.code]),
        {
            "target": cast.target("county-a").pk,
            "kind": "covert",
            "date": "2026-07-10",
            "place": "甲县局办证大厅",
            "inspectors": [cast.inspector.pk, cast.organizer.pk],
        },
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("inspections:inspection", args=[inspection.pk])
    assert set(inspection.inspectors.all()) == {cast.inspector, cast.organizer}

    response = client.post(
        reverse("inspections:finding_create", args=[inspection.pk]),
        {
            "description": "收费公示栏未及时更新",
            "severity": "minor",
            "deadline": "2026-08-10",
            "evidence": [SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.txt", b"note")],
        },
    )
    assert response.status_code == 302
    finding = Finding.objects.get()
    assert finding.evidence.count() == 2
    assert finding.rectification_item.deadline == date(2026, 8, 10)


def test_the_finding_page_shows_a_clear_error_for_a_bad_deadline(cast, inspection, login, english):
    response = login(cast.inspector).post(
        reverse("inspections:finding_create", args=[inspection.pk]),
        {"description": "问题", "severity": "minor", "deadline": "2026-07-01"},
    )
    assert response.status_code == 200
    assert "The deadline cannot be before the inspection date." in response.content.decode()
    assert Finding.objects.count() == 0


def test_the_inspection_list_paginates(cast, login):
    for _ in range(27):
        record_inspection(cast, kind=InspectionKind.OPEN)
    client = login(cast.organizer)
    url = reverse("inspections:inspection_list", args=[cast.campaign.code])
    first = client.get(url)
    assert first.context["page"].paginator.num_pages == 2
    assert len(client.get(url + "?page=2").context["page"]) == 2


def test_stored_evidence_is_removed_when_the_finding_is_rolled_back(
    cast, inspection, settings, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr("inspections.actions.record_event", broken)
    with pytest.raises(RuntimeError):
        record_finding(cast, inspection, evidence=[SimpleUploadedFile("a.png", PNG)])
    assert Finding.objects.count() == 0 and FindingEvidence.objects.count() == 0
    assert not any((settings.MEDIA_ROOT / "inspections").rglob("*.png"))


def test_an_id_does_not_tell_another_county_or_a_stranger_what_exists(
    cast, inspection, hearing, login
):
    from inspections.tests.conftest import ask

    finding = record_finding(cast, inspection, evidence=[SimpleUploadedFile("a.png", PNG)])
    question = ask(cast, hearing, unit="county-a")
    missing = 999_999
    pages = [
        ("inspections:inspection", inspection.pk),
        ("inspections:notice_docx", inspection.pk),
        ("inspections:notice_pdf", inspection.pk),
        ("inspections:finding_create", inspection.pk),
        ("inspections:evidence", finding.evidence.get().pk),
        ("inspections:question", question.pk),
    ]
    for user in (cast.other_liaison, cast.nobody):
        client = login(user)
        for name, pk in pages:
            assert client.get(reverse(name, args=[pk])).status_code == 404, (user, name)
            assert client.get(reverse(name, args=[missing])).status_code == 404, (user, name)
    # the hearing county-b attended is open to its liaison; one it did not attend is not
    assert (
        login(cast.nobody).get(reverse("inspections:hearing", args=[hearing.pk])).status_code == 404
    )
    events = Event.objects.count()
    for name in ("reply_in_writing", "give_verdict", "answer_on_site", "raise_rectification"):
        response = login(cast.other_liaison).post(
            reverse(f"inspections:{name}", args=[question.pk]), {"text": "x", "satisfied": "yes"}
        )
        assert response.status_code == 404, name
    assert question.answers.count() == 0 and Event.objects.count() == events
    api = login(cast.nobody).get(
        f"/api/v1/inspections/{cast.campaign.code}/inspections/{inspection.pk}"
    )
    assert api.status_code == 404
