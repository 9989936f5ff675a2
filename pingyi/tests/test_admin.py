import pytest

pytestmark = pytest.mark.django_db


def test_the_admin_shows_an_organizer_only_its_subtree(login, cast):
    client = login(cast.organizer)
    page = client.get("/admin/orgs/unit/").content.decode()
    prov = cast.units["prov"]
    assert "甲县局" in page and "市局" in page
    assert f"/admin/orgs/unit/{prov.pk}/change/" not in page
    assert client.get(f"/admin/orgs/unit/{prov.pk}/change/").status_code in (302, 403)


def test_the_admin_does_not_let_an_organizer_edit_units_directly(login, cast):
    client = login(cast.organizer)
    county = cast.units["county-a"]
    client.post(f"/admin/orgs/unit/{county.pk}/change/", {"name": "改名", "code": "county-a"})
    county.refresh_from_db()
    assert county.name == "甲县局"


def test_non_staff_users_are_kept_out_of_the_admin(login, cast):
    response = login(cast.liaison).get("/admin/orgs/unit/")
    assert response.status_code == 302


def test_granting_a_role_in_the_admin_goes_through_the_audited_action(login, cast):
    from audit.models import Event

    client = login(cast.organizer)
    response = client.post(
        "/admin/orgs/rolemembership/add/",
        {"user": cast.nobody.pk, "unit": cast.units["county-c"].pk, "role": "liaison"},
    )
    assert response.status_code == 302
    assert cast.nobody.memberships.filter(unit__code="county-c").exists()
    assert Event.objects.filter(action="role.granted", data__user="nobody").exists()


def test_an_organizer_cannot_grant_roles_outside_its_subtree_in_the_admin(login, cast):
    client = login(cast.organizer)
    response = client.post(
        "/admin/orgs/rolemembership/add/",
        {"user": cast.nobody.pk, "unit": cast.units["prov"].pk, "role": "organizer"},
    )
    assert response.status_code == 403
    assert not cast.nobody.memberships.exists()


def test_the_audit_log_is_read_only_and_for_root_organizers(login, cast):
    assert login(cast.organizer).get("/admin/audit/event/").status_code == 403
    cast.province_organizer.is_staff = True
    cast.province_organizer.save()
    client = login(cast.province_organizer)
    assert client.get("/admin/audit/event/").status_code == 200
    assert client.get("/admin/audit/event/add/").status_code == 403
