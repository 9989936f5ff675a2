import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from orgs.access import get_unit_for_user, reaches, reaches_from_above, units_visible_to
from orgs.models import Role, Unit
from pingyi.testing import make_unit, make_user

pytestmark = pytest.mark.django_db


def _province_of(n_cities: int, counties_per_city: int, stations_per_county: int) -> Unit:
    """A bulk-built tree, as a province-size import would make it."""
    province = make_unit("prov")
    rows = []
    for c in range(n_cities):
        city_path = f"/prov/c{c}/"
        rows.append(
            Unit(
                code=f"c{c}", name=f"市{c}", level="city", path=city_path, depth=1, parent=province
            )
        )
    Unit.objects.bulk_create(rows)
    cities = {u.code: u for u in Unit.objects.filter(level="city")}
    rows = [
        Unit(
            code=f"c{c}-k{k}",
            name=f"县{c}-{k}",
            level="county",
            parent=cities[f"c{c}"],
            path=f"/prov/c{c}/c{c}-k{k}/",
            depth=2,
        )
        for c in range(n_cities)
        for k in range(counties_per_city)
    ]
    Unit.objects.bulk_create(rows)
    counties = {u.code: u for u in Unit.objects.filter(level="county")}
    rows = [
        Unit(
            code=f"{code}-s{s}",
            name=f"站{code}-{s}",
            level="township",
            parent=county,
            path=f"{county.path}{code}-s{s}/",
            depth=3,
        )
        for code, county in counties.items()
        for s in range(stations_per_county)
    ]
    Unit.objects.bulk_create(rows)
    return province


def test_checking_a_3000_unit_tree_costs_a_constant_number_of_queries(
    django_assert_max_num_queries,
):
    # given a province of 1 + 12 + 300 + 2700 = 3013 units, and a city organizer
    _province_of(12, 25, 9)
    units = list(Unit.objects.all())
    assert len(units) == 3013
    user = make_user("org", role=Role.ORGANIZER, unit=Unit.objects.get(code="c3"))
    user = type(user).objects.get(pk=user.pk)  # fresh object: nothing cached

    # when every unit is checked, and the visible subtree listed
    with django_assert_max_num_queries(2):
        allowed = [u.code for u in units if reaches(user, u, {Role.ORGANIZER})]
        visible = list(units_visible_to(user).values_list("code", flat=True))

    # then the city's subtree, and only it, is reached
    assert len(allowed) == 1 + 25 + 225
    assert sorted(allowed) == sorted(visible)
    assert all(code == "c3" or code.startswith("c3-") for code in allowed)


def test_a_role_reaches_down_not_up_or_sideways():
    province = make_unit("prov")
    city_a, city_b = make_unit("a", parent=province), make_unit("b", parent=province)
    county = make_unit("a1", parent=city_a)
    user = make_user("u", role=Role.LIAISON, unit=city_a)
    assert reaches(user, city_a) and reaches(user, county)
    assert not reaches(user, province) and not reaches(user, city_b)
    assert not reaches(user, county, {Role.ORGANIZER})


def test_the_level_above_is_not_the_unit_itself():
    province = make_unit("prov")
    city = make_unit("city", parent=province)
    county = make_unit("county", parent=city)
    organizer = make_user("o", role=Role.ORGANIZER, unit=city)
    assert reaches_from_above(organizer, county, {Role.ORGANIZER})
    assert not reaches_from_above(organizer, city, {Role.ORGANIZER})


def test_get_unit_for_user_tells_unknown_from_forbidden():
    province = make_unit("prov")
    city = make_unit("city", parent=province)
    user = make_user("u", role=Role.LIAISON, unit=city)
    assert get_unit_for_user(user, "city") == city
    with pytest.raises(PermissionDenied):
        get_unit_for_user(user, "prov")
    with pytest.raises(Http404):
        get_unit_for_user(user, "nowhere")
