import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import Event
from campaigns.access import CampaignAccess
from campaigns.actions import do_decide_transition, do_request_transition
from campaigns.models import Target, TransitionRequest, TransitionStatus

pytestmark = pytest.mark.django_db


def _request(cast, user=None, unit="county-a"):
    user = user or cast.liaison
    return do_request_transition(
        CampaignAccess(user, cast.campaign),
        cast.target(unit),
        note="实施方案已上报",
        acting_user=user,
    )


def test_the_liaison_asks_and_the_organizer_above_approves(cast):
    request = _request(cast)
    assert (request.from_stage, request.to_stage) == ("mobilize", "consult")

    do_decide_transition(
        CampaignAccess(cast.organizer, cast.campaign),
        request,
        approve=True,
        comment="",
        acting_user=cast.organizer,
    )

    assert cast.target("county-a").stage == "consult"
    assert TransitionRequest.objects.get().status == TransitionStatus.APPROVED
    actions = list(
        Event.objects.filter(action__startswith="transition.").values_list("action", flat=True)
    )
    assert actions == ["transition.requested", "transition.decided"]


def test_a_rejection_needs_a_comment_and_leaves_the_stage(cast):
    request = _request(cast)
    access = CampaignAccess(cast.organizer, cast.campaign)
    with pytest.raises(ValidationError):
        do_decide_transition(
            access, request, approve=False, comment=" ", acting_user=cast.organizer
        )
    do_decide_transition(
        access, request, approve=False, comment="整改方案未上报", acting_user=cast.organizer
    )
    assert cast.target("county-a").stage == "mobilize"
    assert TransitionRequest.objects.get().status == TransitionStatus.REJECTED


def test_the_unit_cannot_approve_its_own_request(cast):
    request = _request(cast)
    with pytest.raises(PermissionDenied):
        do_decide_transition(
            CampaignAccess(cast.liaison, cast.campaign),
            request,
            approve=True,
            comment="",
            acting_user=cast.liaison,
        )
    assert TransitionRequest.objects.get().status == TransitionStatus.PENDING
    assert cast.target("county-a").stage == "mobilize"


def test_an_organizer_of_the_county_itself_is_not_the_level_above(cast):
    from orgs.models import Role
    from pingyi.testing import make_user

    county_organizer = make_user("county_org", role=Role.ORGANIZER, unit=cast.units["county-a"])
    request = _request(cast)
    with pytest.raises(PermissionDenied):
        do_decide_transition(
            CampaignAccess(county_organizer, cast.campaign),
            request,
            approve=True,
            comment="",
            acting_user=county_organizer,
        )


def test_only_one_request_waits_at_a_time(cast):
    _request(cast)
    with pytest.raises(ValidationError):
        _request(cast)
    assert TransitionRequest.objects.count() == 1


def test_a_decided_request_cannot_be_decided_again(cast):
    request = _request(cast)
    access = CampaignAccess(cast.organizer, cast.campaign)
    do_decide_transition(access, request, approve=True, comment="", acting_user=cast.organizer)
    with pytest.raises(ValidationError):
        do_decide_transition(
            access, request, approve=False, comment="改主意", acting_user=cast.organizer
        )
    assert Target.objects.get(unit__code="county-a").stage == "consult"


def test_another_countys_liaison_cannot_ask_for_it(cast):
    with pytest.raises(PermissionDenied):
        _request(cast, user=cast.other_liaison)
    assert not TransitionRequest.objects.exists()


def test_the_pages_carry_the_whole_flow(login, cast, client):
    login(cast.liaison)
    response = client.post(
        reverse("campaigns:request_transition", args=["c-2026", "county-a"]),
        {"note": "动员完毕"},
        follow=True,
    )
    assert response.status_code == 200
    request = TransitionRequest.objects.get()

    login(cast.other_liaison)
    assert (
        client.post(reverse("campaigns:approve_transition", args=[request.pk])).status_code == 403
    )

    login(cast.organizer)
    response = client.post(
        reverse("campaigns:reject_transition", args=[request.pk]), {"comment": ""}, follow=True
    )
    assert TransitionRequest.objects.get().status == TransitionStatus.PENDING
    assert "须说明理由" in response.content.decode()
    client.post(reverse("campaigns:approve_transition", args=[request.pk]), {"comment": "同意"})
    assert cast.target("county-a").stage == "consult"


def test_a_liaison_of_the_organizing_unit_asks_only_for_its_own_unit(cast):
    # given a liaison held at the city, which organizes the campaign (and is itself evaluated above)
    from orgs.models import Role
    from pingyi.testing import make_user

    city_liaison = make_user("city_liaison", role=Role.LIAISON, unit=cast.units["city"])
    access = CampaignAccess(city_liaison, cast.campaign)
    # then it is not campaign staff, and cannot speak for a county
    assert not access.sees_all_targets
    with pytest.raises(PermissionDenied):
        _request(cast, user=city_liaison)
    assert not TransitionRequest.objects.exists()


def test_an_organizer_between_the_campaign_and_the_target_does_not_decide(cast):
    # given a province campaign appraising counties, and a city organizer in between
    from campaigns.actions import do_load_campaign_spec
    from orgs.access import OPERATOR
    from pingyi.testing import small_spec

    spec = small_spec(code="prov-2026", organizer="prov")
    spec["units"] = []
    campaign = do_load_campaign_spec(spec, acting_user=OPERATOR).campaign
    target = campaign.targets.get(unit__code="county-a")
    request = do_request_transition(
        CampaignAccess(cast.liaison, campaign), target, acting_user=cast.liaison
    )
    # then the city organizer may not decide it; the province organizer may
    with pytest.raises(PermissionDenied):
        do_decide_transition(
            CampaignAccess(cast.organizer, campaign),
            request,
            approve=True,
            comment="",
            acting_user=cast.organizer,
        )
    assert TransitionRequest.objects.get(pk=request.pk).status == TransitionStatus.PENDING
    do_decide_transition(
        CampaignAccess(cast.province_organizer, campaign),
        request,
        approve=True,
        comment="",
        acting_user=cast.province_organizer,
    )
    assert campaign.targets.get(unit__code="county-a").stage == "consult"


def test_the_requester_is_not_offered_a_decision_on_its_own_request(cast, login):
    # given a county organizer who is also organizer at the city (two grants)
    from orgs.access import OPERATOR
    from orgs.actions import do_grant_role
    from orgs.models import Role

    do_grant_role(cast.organizer, cast.units["county-a"], Role.ORGANIZER, acting_user=OPERATOR)
    request = _request(cast, user=cast.organizer)
    access = CampaignAccess(cast.organizer, cast.campaign)
    assert access.can_decide_transition(request.target)
    assert not access.can_decide(request)
    page = login(cast.organizer).get(reverse("campaigns:dashboard", args=["c-2026"]))
    assert reverse("campaigns:approve_transition", args=[request.pk]) not in page.content.decode()
