from datetime import date
from io import BytesIO

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from docx import Document

from audit.models import Event
from campaigns.access import CampaignAccess
from orgs.models import Role
from pingyi.testing import make_campaign, make_user
from rectification.actions import (
    do_explain_rectification_item,
    do_mark_rectification_done,
    do_set_report_due,
    do_set_report_dues_from_phases,
    do_submit_report,
)
from rectification.models import ReportDue, ReportKind, ReportSubmission
from rectification.queries import report_cells, transition_checklist
from rectification.tests.conftest import access_of

pytestmark = pytest.mark.django_db
PLAN = ReportKind.IMPLEMENTATION_PLAN


def _dues(cast, kind=PLAN, due=date(2026, 7, 10)):
    do_set_report_due(
        access_of(cast, cast.organizer), kind=kind, due_date=due, acting_user=cast.organizer
    )


def _submit(cast, user, unit="county-a", kind=PLAN, text="实施方案正文", **kwargs):
    return do_submit_report(
        access_of(cast, user), cast.target(unit), kind=kind, text=text, acting_user=user, **kwargs
    )


def test_an_organizer_sets_a_due_date_for_every_target_then_for_one(cast):
    access = access_of(cast, cast.organizer)
    changed = do_set_report_due(
        access, kind=PLAN, due_date=date(2026, 7, 10), acting_user=cast.organizer
    )
    assert sorted(changed) == ["county-a", "county-b", "county-c"]
    changed = do_set_report_due(
        access,
        kind=PLAN,
        due_date=date(2026, 7, 17),
        target=cast.target("county-b"),
        acting_user=cast.organizer,
    )
    assert changed == ["county-b"]
    dues = dict(ReportDue.objects.values_list("target__unit__code", "due_date"))
    assert dues == {
        "county-a": date(2026, 7, 10),
        "county-b": date(2026, 7, 17),
        "county-c": date(2026, 7, 10),
    }
    event = Event.objects.filter(action="rectification.report_due_set").last()
    assert event.data["before"] == {"county-b": "2026-07-10"}
    # the same dates again: nothing changes, no event
    events = Event.objects.count()
    assert do_set_report_due(
        access, kind=PLAN, due_date=date(2026, 7, 10), acting_user=cast.organizer
    ) == ["county-b"]
    assert (
        do_set_report_due(access, kind=PLAN, due_date=date(2026, 7, 10), acting_user=cast.organizer)
        == []
    )
    assert Event.objects.count() == events + 1


def test_due_dates_from_the_phases_fall_on_each_phase_end(cast):
    do_set_report_dues_from_phases(access_of(cast, cast.organizer), acting_user=cast.organizer)
    dues = {d.kind: d.due_date for d in ReportDue.objects.filter(target=cast.target("county-a"))}
    assert dues == {
        ReportKind.IMPLEMENTATION_PLAN: date(2026, 7, 10),
        ReportKind.SELF_INSPECTION: date(2026, 7, 25),
        ReportKind.RECTIFICATION_REPORT: date(2026, 8, 31),
        ReportKind.SELF_EVALUATION: date(2026, 9, 15),
        ReportKind.SUMMARY: date(2026, 9, 30),
    }
    assert ReportDue.objects.count() == 15


def test_a_liaison_cannot_set_due_dates(cast, login):
    events = Event.objects.count()
    with pytest.raises(PermissionDenied):
        do_set_report_due(
            access_of(cast, cast.liaison),
            kind=PLAN,
            due_date=date(2026, 7, 1),
            acting_user=cast.liaison,
        )
    response = login(cast.liaison).post(
        reverse("rectification:set_due", args=["c-2026"]), {"kind": PLAN, "due_date": "2026-07-01"}
    )
    assert response.status_code == 403
    assert not ReportDue.objects.exists() and Event.objects.count() == events


def test_a_submission_after_the_due_date_is_marked_late(cast):
    _dues(cast)
    with time_machine.travel("2026-07-10 23:50 +0800", tick=False):
        on_time = _submit(cast, cast.liaison)
    with time_machine.travel("2026-07-11 00:10 +0800", tick=False):
        late = _submit(cast, cast.other_liaison, unit="county-b")
    assert (on_time.late, late.late) == (False, True)
    event = Event.objects.filter(action="rectification.report_submitted").last()
    assert event.data["late"] is True and event.data["target"] == "county-b"


def test_a_resubmission_is_a_new_row_and_the_newest_counts(cast):
    _dues(cast)
    with time_machine.travel("2026-07-12 10:00 +0800", tick=False):
        _submit(cast, cast.liaison, text="初稿")
    with time_machine.travel("2026-07-15 10:00 +0800", tick=False):
        do_set_report_due(
            access_of(cast, cast.organizer),
            kind=PLAN,
            due_date=date(2026, 7, 20),
            target=cast.target("county-a"),
            acting_user=cast.organizer,
        )
        _submit(cast, cast.liaison, text="修改稿")
        checklist = transition_checklist(cast.target("county-a"))
    assert ReportSubmission.objects.count() == 2
    report = checklist["reports"][0]
    assert report["state"] == "on_time" and report["submission"].text == "修改稿"


def test_submitting_needs_text_a_due_date_and_the_units_own_liaison(cast, login, english):
    with pytest.raises(ValidationError, match="No due date"):
        _submit(cast, cast.liaison)
    _dues(cast)
    with pytest.raises(ValidationError):
        _submit(cast, cast.liaison, text="  ")
    for user in (cast.other_liaison, cast.organizer, cast.inspector):
        with pytest.raises(PermissionDenied):
            _submit(cast, user)
    events = Event.objects.count()
    response = login(cast.other_liaison).post(
        reverse("rectification:submit_report", args=["c-2026", "county-a", PLAN]), {"text": "冒名"}
    )
    assert response.status_code == 403
    assert not ReportSubmission.objects.exists() and Event.objects.count() == events


def _docx_text(content: bytes) -> str:
    document = Document(BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_combined_report_of_the_city_contains_its_counties_submissions(cast, login):
    _dues(cast)
    with time_machine.travel("2026-07-09 10:00 +0800", tick=False):
        _submit(
            cast,
            cast.liaison,
            text="甲县局实施方案\n成立领导小组",
            upload=SimpleUploadedFile("方案.txt", "附件内容".encode()),
        )
    with time_machine.travel("2026-07-12 10:00 +0800", tick=False):
        _submit(cast, cast.other_liaison, unit="county-b", text="乙县局实施方案（迟报）")

    response = login(cast.organizer).get(
        reverse("rectification:combined_docx", args=["c-2026", "city", PLAN])
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    document = Document(BytesIO(response.content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "甲县局" in headings and "乙县局" in headings and "丙县局" not in headings
    text = _docx_text(response.content)
    assert "市局" in document.paragraphs[0].text and "测试评议活动" in document.paragraphs[0].text
    assert "甲县局实施方案" in text and "成立领导小组" in text and "乙县局实施方案（迟报）" in text
    status_rows = {row.cells[0].text: row.cells[3].text for row in document.tables[0].rows[1:]}
    assert set(status_rows) == {"甲县局", "乙县局", "丙县局"}
    assert status_rows["甲县局"] != status_rows["乙县局"] != status_rows["丙县局"]
    assert "implementation_plan-county-a-" in text  # the attached file is listed


def test_a_county_liaison_cannot_compile_the_citys_report(cast, login):
    client = login(cast.liaison)
    for name in ("combined_docx", "unit_reports"):
        args = ["c-2026", "city", PLAN] if name == "combined_docx" else ["c-2026", "city"]
        assert client.get(reverse(f"rectification:{name}", args=args)).status_code == 403
    # evaluators reach the city but do not compile its reports
    response = login(cast.evaluator).get(
        reverse("rectification:unit_reports", args=["c-2026", "city"])
    )
    assert response.status_code == 403


def test_the_unit_page_shows_its_childrens_report_status(cast, login):
    _dues(cast)
    with time_machine.travel("2026-07-12 10:00 +0800", tick=False):
        _submit(cast, cast.other_liaison, unit="county-b")
        page = (
            login(cast.organizer)
            .get(reverse("rectification:unit_reports", args=["c-2026", "city"]))
            .content.decode()
        )
    assert "甲县局" in page and "乙县局" in page and "丙县局" in page
    assert page.count('class="badge pending"') == 1  # county-b, late
    assert reverse("rectification:combined_docx", args=["c-2026", "city", PLAN]) in page


@time_machine.travel("2026-07-15 10:00 +0800", tick=False)
def test_the_transition_checklist_describes_the_current_phase(cast, open_item):
    target = cast.target("county-a")
    assert target.stage == "mobilize"
    empty = transition_checklist(target)
    assert empty["reports"][0]["due_date"] is None and empty["reports"][0]["state"] == "missing"
    _dues(cast)
    open_item(deadline=date(2026, 7, 1))
    open_item(deadline=date(2026, 8, 1))
    checklist = transition_checklist(target)
    assert set(checklist) == {
        "campaign_code",
        "unit_code",
        "stage",
        "stage_label",
        "reports",
        "reports_complete",
        "open_items",
        "overdue_items",
    }
    assert (checklist["stage"], checklist["unit_code"]) == ("mobilize", "county-a")
    [report] = checklist["reports"]
    assert report["kind"] == PLAN and report["state"] == "missing" and report["past_due"] is True
    assert checklist["reports_complete"] is False
    assert (checklist["open_items"], checklist["overdue_items"]) == (2, 1)
    _submit(cast, cast.liaison)
    checklist = transition_checklist(target)
    assert checklist["reports"][0]["state"] == "late" and checklist["reports_complete"] is True


def test_the_checklist_snippet_renders_for_an_approver(cast, login):
    _dues(cast)
    page = (
        login(cast.organizer)
        .get(reverse("rectification:target_reports", args=["c-2026", "county-a"]))
        .content.decode()
    )
    assert "transition-checklist" in page
    assert reverse("rectification:ledger", args=["c-2026"]) + "?target=county-a" in page


def test_the_liaison_submits_on_the_page_and_sees_it(cast, login):
    _dues(cast, due=date(2099, 1, 1))
    client = login(cast.liaison)
    url = reverse("rectification:submit_report", args=["c-2026", "county-a", PLAN])
    response = client.post(url, {"text": "甲县局实施方案全文"}, follow=True)
    page = response.content.decode()
    assert "甲县局实施方案全文" in page
    assert ReportSubmission.objects.get().submitted_by == cast.liaison


def _zh(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


def test_a_correction_after_the_due_date_keeps_an_on_time_report_on_time(cast, login, english):
    _dues(cast)  # due 2026-07-10
    with time_machine.travel("2026-07-09 10:00 +0800", tick=False):
        _submit(cast, cast.liaison, text="实施方案初稿")
    with time_machine.travel("2026-07-12 10:00 +0800", tick=False):
        correction = _submit(cast, cast.liaison, text="实施方案更正稿")
        target = cast.target("county-a")
        [cell] = report_cells([target], [PLAN])[target.pk]
        checklist = transition_checklist(target)
        overview = (
            login(cast.organizer)
            .get(reverse("rectification:reports", args=["c-2026"]))
            .content.decode()
        )
        docx = (
            login(cast.organizer)
            .get(reverse("rectification:combined_docx", args=["c-2026", "city", PLAN]))
            .content
        )
    assert correction.late is True  # the correction itself came after the due date
    assert (cell.state, cell.submission.text, cell.resubmitted) == (
        "on_time",
        "实施方案更正稿",
        True,
    )
    [report] = checklist["reports"]
    assert report["state"] == "on_time" and report["resubmitted"] is True
    assert report["submission"].text == "实施方案更正稿"
    # the grid: on time, and said to be resubmitted
    assert overview.count('class="badge approved"') == 1
    assert overview.count('class="badge pending"') == 0
    assert "Resubmitted" in overview
    # the combined document: on time, the corrected text, no "submitted late" note
    text = _docx_text(docx)
    status_rows = {r.cells[0].text: r.cells[3].text for r in Document(BytesIO(docx)).tables[0].rows}
    assert status_rows["甲县局"].startswith(_zh("Submitted on time"))
    assert _zh("Resubmitted") in status_rows["甲县局"]
    assert "实施方案更正稿" in text and "实施方案初稿" not in text
    assert _zh("Submitted late.") not in text


def test_a_report_resubmitted_late_after_a_late_first_one_stays_late(cast):
    _dues(cast)
    with time_machine.travel("2026-07-11 10:00 +0800", tick=False):
        _submit(cast, cast.liaison, text="迟报")
    with time_machine.travel("2026-07-12 10:00 +0800", tick=False):
        _submit(cast, cast.liaison, text="迟报更正")
    target = cast.target("county-a")
    [cell] = report_cells([target], [PLAN])[target.pk]
    assert (cell.state, cell.resubmitted, cell.submission.text) == ("late", True, "迟报更正")


def test_the_combined_report_is_in_chinese_whatever_the_page_language(cast, login, english):
    _dues(cast)
    with time_machine.travel("2026-07-09 10:00 +0800", tick=False):
        _submit(cast, cast.liaison)
    response = login(cast.organizer).get(
        reverse("rectification:combined_docx", args=["c-2026", "city", PLAN])
    )
    document = Document(BytesIO(response.content))
    header = [cell.text for cell in document.tables[0].rows[0].cells]
    assert header[0] == "单位" and header[3] == "状态"
    assert "实施方案" in document.paragraphs[0].text
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "附件" in headings


def _province_campaign(cast):
    """A province campaign in which the city is itself a target, above two of its counties."""
    campaign = make_campaign(
        code="p-2026",
        organizer="prov",
        targets=[
            {"unit": "city", "group": "市局"},
            {"unit": "county-a", "group": "县局"},
            {"unit": "county-b", "group": "县局"},
        ],
    )
    city_liaison = make_user("city_liaison", role=Role.LIAISON, unit=cast.units["city"])
    do_set_report_due(
        CampaignAccess(cast.province_organizer, campaign),
        kind=PLAN,
        due_date=date(2026, 7, 10),
        acting_user=cast.province_organizer,
    )
    return campaign, city_liaison


def test_a_city_liaison_compiles_the_province_campaign_with_the_citys_own_report_first(
    cast, login, english
):
    campaign, city_liaison = _province_campaign(cast)

    def submit(user, unit, text):
        do_submit_report(
            CampaignAccess(user, campaign),
            campaign.targets.get(unit__code=unit),
            kind=PLAN,
            text=text,
            acting_user=user,
        )

    with time_machine.travel("2026-07-09 10:00 +0800", tick=False):
        submit(cast.liaison, "county-a", "甲县局的方案")
        submit(city_liaison, "city", "市局自己的方案")
    client = login(city_liaison)
    overview = client.get(reverse("rectification:reports", args=["p-2026"])).content.decode()
    assert reverse("rectification:unit_reports", args=["p-2026", "city"]) in overview
    response = client.get(reverse("rectification:combined_docx", args=["p-2026", "city", PLAN]))
    assert response.status_code == 200
    document = Document(BytesIO(response.content))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[:2] == ["市局", "甲县局"]
    units = [row.cells[0].text for row in document.tables[0].rows[1:]]
    assert units == ["市局", "甲县局", "乙县局"]
    # a county liaison is offered no compiling: nothing is below its unit
    page = login(cast.liaison).get(reverse("rectification:reports", args=["p-2026"]))
    for unit in ("prov", "city", "county-a"):
        assert reverse("rectification:unit_reports", args=["p-2026", unit]) not in (
            page.content.decode()
        )


@time_machine.travel("2026-08-20 10:00 +0800", tick=False)
def test_the_combined_rectification_report_shows_each_units_ledger_progress(cast, open_item, login):
    organizer = access_of(cast, cast.organizer)
    open_item(deadline=date(2026, 8, 1))  # open, overdue
    open_item(deadline=date(2026, 9, 1))  # open
    done = open_item(deadline=date(2026, 9, 1))
    do_mark_rectification_done(access_of(cast, cast.liaison), done, acting_user=cast.liaison)
    explained = open_item(deadline=date(2026, 9, 1))
    do_explain_rectification_item(
        access_of(cast, cast.liaison), explained, explanation="需统筹", acting_user=cast.liaison
    )
    open_item("county-b", deadline=date(2026, 9, 1))
    do_set_report_due(
        organizer,
        kind=ReportKind.RECTIFICATION_REPORT,
        due_date=date(2026, 8, 31),
        acting_user=cast.organizer,
    )
    client = login(cast.organizer)
    response = client.get(
        reverse(
            "rectification:combined_docx",
            args=["c-2026", "city", ReportKind.RECTIFICATION_REPORT],
        )
    )
    table = Document(BytesIO(response.content)).tables[0]
    assert len(table.columns) == 8
    header = [cell.text for cell in table.rows[0].cells]
    assert header[4:] == [_zh("Open items"), _zh("Done"), _zh("Explained"), _zh("Overdue")]
    counts = {row.cells[0].text: [c.text for c in row.cells[4:]] for row in table.rows[1:]}
    assert counts == {
        "甲县局": ["2", "1", "1", "1"],
        "乙县局": ["1", "0", "0", "0"],
        "丙县局": ["0", "0", "0", "0"],
    }
    # other kinds keep the four-column table
    plan = client.get(reverse("rectification:combined_docx", args=["c-2026", "city", PLAN]))
    assert len(Document(BytesIO(plan.content)).tables[0].columns) == 4


def test_the_target_reports_page_links_the_targets_ledger_export(cast, login):
    page = (
        login(cast.organizer)
        .get(reverse("rectification:target_reports", args=["c-2026", "county-b"]))
        .content.decode()
    )
    assert reverse("rectification:export_target", args=["c-2026", "county-b"]) in page
