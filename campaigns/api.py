from datetime import date

from django.utils import timezone
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from campaigns.access import campaigns_for_user, get_campaign_for_user

router = Router(tags=["campaigns"])


class CampaignSummary(Schema):
    code: str
    name: str
    year: int
    organizer: str

    @staticmethod
    def resolve_organizer(obj) -> str:
        return obj.organizer.code


class PhaseOut(Schema):
    kind: str
    name: str
    start: date
    end: date


class TargetOut(Schema):
    unit: str
    name: str
    group: str
    exempt: bool
    stage: str


class CampaignDetail(Schema):
    code: str
    name: str
    year: int
    organizer: str
    current_phase: str | None
    phases: list[PhaseOut]
    targets: list[TargetOut]


@router.get("/", response=list[CampaignSummary])
@paginate(LimitOffsetPagination)
def list_campaigns(request):
    return campaigns_for_user(request.user)


@router.get("/{code}", response=CampaignDetail)
def campaign_detail(request, code: str):
    access = get_campaign_for_user(request.user, code)
    campaign = access.campaign
    current = campaign.current_phase(timezone.localdate())
    return {
        "code": campaign.code,
        "name": campaign.name,
        "year": campaign.year,
        "organizer": campaign.organizer.code,
        "current_phase": current.kind if current else None,
        "phases": [
            PhaseOut.model_validate(p, from_attributes=True) for p in campaign.ordered_phases()
        ],
        "targets": [
            TargetOut(
                unit=t.unit.code, name=t.unit.name, group=t.group, exempt=t.exempt, stage=t.stage
            )
            for t in access.targets()
        ],
    }
