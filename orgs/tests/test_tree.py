import pytest
from django.core.exceptions import ValidationError

from audit.models import Event
from orgs.access import OPERATOR
from orgs.actions import do_update_unit
from orgs.models import Unit
from pingyi.testing import make_unit

pytestmark = pytest.mark.django_db


def test_paths_follow_the_parent_chain():
    province = make_unit("prov")
    city = make_unit("city", parent=province)
    county = make_unit("county", parent=city)
    assert county.path == "/prov/city/county/"
    assert county.depth == 2
    assert province.contains(county) and not county.contains(city)
    assert county.ancestor_codes() == ["prov", "city"]


def test_moving_a_unit_re_roots_its_whole_subtree():
    province = make_unit("prov")
    east, west = make_unit("east", parent=province), make_unit("west", parent=province)
    county = make_unit("county", parent=east)
    make_unit("station", parent=county, level="township")

    do_update_unit(county, parent=west, acting_user=OPERATOR)

    paths = dict(Unit.objects.values_list("code", "path"))
    assert paths["county"] == "/prov/west/county/"
    assert paths["station"] == "/prov/west/county/station/"
    assert Event.objects.filter(action="unit.updated", object_id=str(county.pk)).exists()


def test_a_unit_cannot_move_below_itself():
    province = make_unit("prov")
    city = make_unit("city", parent=province)
    county = make_unit("county", parent=city)
    with pytest.raises(ValidationError):
        do_update_unit(city, parent=county, acting_user=OPERATOR)
    assert Unit.objects.get(code="city").path == "/prov/city/"


def test_a_unit_cannot_sit_above_its_parents_level():
    city = make_unit("city", level="city")
    with pytest.raises(ValidationError):
        make_unit("prov", parent=city, level="province")
    assert not Unit.objects.filter(code="prov").exists()


def test_codes_are_validated():
    with pytest.raises(ValidationError):
        make_unit("Bad Code")


def test_an_unchanged_update_writes_no_event():
    unit = make_unit("prov")
    before = Event.objects.count()
    assert do_update_unit(unit, name=unit.name, acting_user=OPERATOR) == []
    assert Event.objects.count() == before


def test_a_unit_cannot_be_relevelled_below_its_children():
    province = make_unit("prov")
    city = make_unit("city", parent=province)
    make_unit("county", parent=city)
    make_unit("station", parent=city, level="township")
    with pytest.raises(ValidationError):
        do_update_unit(city, level="township", acting_user=OPERATOR)
    assert Unit.objects.get(code="city").level == "city"
    assert do_update_unit(city, level="county", acting_user=OPERATOR) == ["level"]
