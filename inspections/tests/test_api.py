import pytest
import time_machine

from inspections.actions import do_give_verdict
from inspections.models import InspectionKind
from inspections.tests.conftest import as_, ask, record_finding, record_inspection

pytestmark = pytest.mark.django_db


def _url(cast, what):
    return f"/api/v1/inspections/{cast.campaign.code}/{what}"


def test_the_api_lists_inspections_with_findings_scoped_like_the_pages(cast, login, inspection):
    record_inspection(cast, unit="county-b", kind=InspectionKind.OPEN)

    staff = login(cast.organizer).get(_url(cast, "inspections")).json()
    assert staff["count"] == 2

    liaison = login(cast.liaison).get(_url(cast, "inspections")).json()
    assert liaison["count"] == 0  # its covert inspection has no finding yet

    record_finding(cast, inspection)
    liaison = login(cast.liaison).get(_url(cast, "inspections")).json()
    assert liaison["count"] == 1
    item = liaison["items"][0]
    assert item["target"] == "county-a" and item["kind"] == "covert"
    finding = item["findings"][0]
    assert finding["description"] == "窗口工作人员上班时间玩手机"
    assert finding["deadline"] == "2026-07-31" and finding["rectification_item"]

    client = login(cast.other_liaison)
    assert [i["target"] for i in client.get(_url(cast, "inspections")).json()["items"]] == [
        "county-b"
    ]
    assert client.get(_url(cast, f"inspections/{inspection.pk}")).status_code == 404


@time_machine.travel("2026-09-01 10:00 +0800", tick=False)
def test_the_api_lists_questions_with_answers_and_verdicts(cast, login, hearing):
    answered = ask(cast, hearing, unit="county-a", on_site_answer="现场答复")
    do_give_verdict(as_(cast, cast.evaluator), answered, satisfied=True, acting_user=cast.evaluator)
    pending = ask(cast, hearing, unit="county-a")
    ask(cast, hearing, unit="county-b")

    items = login(cast.liaison).get(_url(cast, "questions")).json()["items"]
    assert [q["id"] for q in items] == [answered.pk, pending.pk]
    assert items[0]["state"] == "satisfied"
    assert items[0]["answers"][0]["mode"] == "on_site"
    assert items[0]["answers"][0]["verdict"]["satisfied"] is True
    assert items[1]["overdue"] is True and items[1]["answers"] == []

    overdue = login(cast.organizer).get(_url(cast, "questions") + "?overdue=true").json()
    assert overdue["count"] == 2
    hearings = login(cast.liaison).get(_url(cast, "hearings")).json()
    assert hearings["items"][0]["targets"] == ["county-a", "county-b"]


def test_the_api_refuses_people_outside_the_campaign(cast, client, login):
    assert client.get(_url(cast, "questions")).status_code == 401
    assert login(cast.nobody).get(_url(cast, "inspections")).status_code == 403
