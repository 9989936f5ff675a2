"""Every surface that shows complaints, for the three people who matter.

- the liaison of the unit concerned gets the content, never who complained
  (nor the tracking code, with which it could rate its own reply);
- a liaison of another unit gets nothing;
- the organizer gets the content everywhere, and the identity only on the
  identity page and endpoint, each look written to the audit log.
"""

import json
from datetime import date

import pytest
import time_machine

from audit.models import Event
from complaints.models import format_tracking_code
from complaints.tests.conftest import (
    CONTENT,
    IDENTITY_STRINGS,
    assign,
    enter_by_staff,
    upload,
)

pytestmark = pytest.mark.django_db

ATTACHMENT_MARK = "附件标记AT09"
FROZEN = "2026-08-20 10:00 +0800"  # the complaint of 1 July is due 22 July: overdue


@pytest.fixture
def scene(cast):
    with time_machine.travel("2026-07-02 10:00 +0800", tick=False):
        complaint = enter_by_staff(cast, received_on=date(2026, 7, 1), attachments=[upload()])
        assign(cast, complaint)
    # Staff status opens the admin to them; the scope must still hold.
    for user in (cast.liaison, cast.other_liaison):
        user.is_staff = True
        user.save()
    return complaint


SURFACES = {
    "page: list": lambda c: "/complaints/c/c-2026/",
    "page: list filtered": lambda c: "/complaints/c/c-2026/?status=assigned",
    "page: overdue": lambda c: "/complaints/c/c-2026/overdue/",
    "page: detail": lambda c: f"/complaints/{c.pk}/",
    "file: attachment": lambda c: f"/complaints/attachments/{c.attachments.get().pk}/",
    "export: csv": lambda c: "/complaints/c/c-2026/export.csv",
    "api: list": lambda c: "/api/v1/complaints/campaigns/c-2026",
    "api: detail": lambda c: f"/api/v1/complaints/{c.pk}",
    "admin: changelist": lambda c: "/admin/complaints/complaint/",
    "admin: change": lambda c: f"/admin/complaints/complaint/{c.pk}/change/",
}
# Lists answer 200 to anyone with a role in the campaign, with only what they may read.
LISTS = {
    "page: list",
    "page: list filtered",
    "page: overdue",
    "export: csv",
    "api: list",
    "admin: changelist",
}


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    text = response.content.decode("utf-8-sig", "replace")
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(json.loads(text), ensure_ascii=False)  # "\u7532" → "甲"
    return text


def _expected_content(surface) -> str:
    return ATTACHMENT_MARK if surface == "file: attachment" else CONTENT[:10]


def _secrets(complaint) -> list[str]:
    code = complaint.tracking_code
    return [*IDENTITY_STRINGS, code, format_tracking_code(code)]


@time_machine.travel(FROZEN, tick=False)
@pytest.mark.parametrize("surface", SURFACES)
def test_the_liaison_of_the_unit_concerned_gets_the_content_without_identity(
    login, cast, scene, surface
):
    response = login(cast.liaison).get(SURFACES[surface](scene))
    body = _body(response)
    assert response.status_code == 200, surface
    assert _expected_content(surface) in body
    leaked = [s for s in _secrets(scene) if s in body]
    assert leaked == []


@time_machine.travel(FROZEN, tick=False)
@pytest.mark.parametrize("surface", SURFACES)
def test_a_liaison_of_another_unit_gets_nothing(login, cast, scene, surface):
    response = login(cast.other_liaison).get(SURFACES[surface](scene))
    body = _body(response)
    if surface in LISTS:
        assert response.status_code == 200
    elif surface.startswith("admin"):
        # The admin answers a row outside the scope as missing: back to its index.
        assert response.status_code in (302, 403, 404)
        assert response.status_code != 302 or response["Location"] == "/admin/"
    else:
        assert response.status_code in (403, 404), surface
    assert _expected_content(surface) not in body
    assert CONTENT[:10] not in body
    assert not [s for s in IDENTITY_STRINGS if s in body]


@time_machine.travel(FROZEN, tick=False)
@pytest.mark.parametrize("surface", SURFACES)
def test_the_organizer_gets_the_content_and_no_identity_outside_the_identity_page(
    login, cast, scene, surface
):
    events = Event.objects.count()
    response = login(cast.organizer).get(SURFACES[surface](scene))
    body = _body(response)
    assert response.status_code == 200, surface
    assert _expected_content(surface) in body
    assert not [s for s in _secrets(scene) if s in body]
    assert Event.objects.count() == events  # reading content is not an identity view


IDENTITY_SURFACES = {
    "page: identity": lambda client, c: client.post(f"/complaints/{c.pk}/identity/"),
    "api: identity": lambda client, c: client.get(f"/api/v1/complaints/{c.pk}/identity"),
}


@pytest.mark.parametrize("surface", IDENTITY_SURFACES)
def test_the_organizer_sees_the_identity_and_each_look_is_audited(login, cast, scene, surface):
    client = login(cast.organizer)
    for look in (1, 2):
        response = IDENTITY_SURFACES[surface](client, scene)
        body = _body(response)
        assert response.status_code == 200
        assert all(s in body for s in IDENTITY_STRINGS)
        events = Event.objects.filter(action="complaint.identity_viewed", object_id=str(scene.pk))
        assert events.count() == look
    event = events.last()
    assert event.actor == cast.organizer
    assert not [s for s in IDENTITY_STRINGS if s in str(event.data)]


@pytest.mark.parametrize("surface", IDENTITY_SURFACES)
@pytest.mark.parametrize("who", ["liaison", "other_liaison", "leader", "inspector", "nobody"])
def test_nobody_else_sees_the_identity_and_nothing_is_recorded(login, cast, scene, surface, who):
    events = Event.objects.count()
    response = IDENTITY_SURFACES[surface](login(getattr(cast, who)), scene)
    assert response.status_code in (403, 404)
    assert not [s for s in IDENTITY_STRINGS if s in _body(response)]
    assert Event.objects.count() == events


def test_the_identity_page_is_not_reachable_by_a_plain_link(login, cast, scene):
    response = login(cast.organizer).get(f"/complaints/{scene.pk}/identity/")
    assert response.status_code == 405
    assert not Event.objects.filter(action="complaint.identity_viewed").exists()


@pytest.mark.parametrize("surface", IDENTITY_SURFACES)
def test_the_province_organizer_above_the_organizing_level_does_not_see_the_identity(
    login, cast, scene, surface
):
    """Identity is for the organizers of the campaign's own organizing unit, not those above."""
    events = Event.objects.count()
    client = login(cast.province_organizer)
    assert client.get(f"/complaints/{scene.pk}/").status_code == 200  # still reads the content
    response = IDENTITY_SURFACES[surface](client, scene)
    assert response.status_code == 403
    assert not [s for s in IDENTITY_STRINGS if s in _body(response)]
    assert Event.objects.count() == events


def test_the_province_organizers_detail_page_offers_no_identity_button(login, cast, scene):
    page = _body(login(cast.province_organizer).get(f"/complaints/{scene.pk}/"))
    assert f"/complaints/{scene.pk}/identity/" not in page


def test_the_identity_getter_allows_only_grants_at_the_organizer_unit_or_a_superuser(cast, scene):
    from django.core.exceptions import PermissionDenied

    from complaints.access import ComplaintAccess, get_complainant_identity
    from pingyi.testing import make_user

    assert ComplaintAccess(cast.organizer, scene).is_organizer
    assert not ComplaintAccess(cast.province_organizer, scene).is_organizer
    with pytest.raises(PermissionDenied):
        get_complainant_identity(cast.province_organizer, scene)
    admin = make_user("root_admin")
    admin.is_superuser = True
    admin.save()
    assert get_complainant_identity(admin, scene).name == IDENTITY_STRINGS[0]
    viewers = Event.objects.filter(action="complaint.identity_viewed").values_list(
        "actor", flat=True
    )
    assert list(viewers) == [admin.pk]


def test_the_organizers_detail_page_offers_the_identity_button_and_the_liaisons_does_not(
    login, cast, scene
):
    url = f"/complaints/{scene.pk}/"
    identity_url = f"/complaints/{scene.pk}/identity/"
    assert identity_url in _body(login(cast.organizer).get(url))
    assert identity_url not in _body(login(cast.liaison).get(url))


@time_machine.travel(FROZEN, tick=False)
@pytest.mark.parametrize("surface", SURFACES)
def test_the_leader_reads_the_content_and_the_evaluator_does_not(login, cast, scene, surface):
    leader = login(cast.leader).get(SURFACES[surface](scene))
    if not surface.startswith("admin"):  # the leader has no admin access at all
        assert leader.status_code == 200 and _expected_content(surface) in _body(leader)
    evaluator = login(cast.evaluator).get(SURFACES[surface](scene))
    assert _expected_content(surface) not in _body(evaluator)


def test_an_unassigned_complaint_is_invisible_to_the_unit_concerned(login, cast):
    from complaints.tests.conftest import file_web

    complaint = file_web(cast, content="尚未转办的投诉（标记UN11）")
    client = login(cast.liaison)
    assert client.get(f"/complaints/{complaint.pk}/").status_code == 404
    assert "UN11" not in _body(client.get("/complaints/c/c-2026/"))
    assert "UN11" not in _body(client.get("/api/v1/complaints/campaigns/c-2026"))
