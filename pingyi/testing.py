"""Factory functions and the shared cast of personas for tests."""

from datetime import date

from campaigns.actions import do_load_campaign_spec
from campaigns.models import Campaign
from orgs.access import OPERATOR
from orgs.actions import do_add_evaluator, do_create_unit, do_ensure_user, do_grant_role
from orgs.models import EvaluatorCategory, Role, Unit

PASSWORD = "correct-horse-battery"


def make_unit(
    code: str,
    *,
    parent: Unit | None = None,
    level: str | None = None,
    name: str | None = None,
    kind: str = "bureau",
) -> Unit:
    level = level or ("province" if parent is None else _below(parent.level))
    return do_create_unit(
        code=code,
        name=name or code.upper(),
        level=level,
        kind=kind,
        parent=parent,
        acting_user=OPERATOR,
    )


def _below(level: str) -> str:
    order = ["province", "city", "county", "township"]
    return order[min(order.index(level) + 1, len(order) - 1)]


def make_user(
    username: str, *, role: str | None = None, unit: Unit | None = None, is_staff: bool = False
):
    user, _ = do_ensure_user(
        username,
        display_name=username.title(),
        password=PASSWORD,
        is_staff=is_staff,
        acting_user=OPERATOR,
    )
    if role and unit:
        do_grant_role(user, unit, role, acting_user=OPERATOR)
    return user


def small_spec(code: str = "c-2026", year: int = 2026, **overrides) -> dict:
    """A city organizing the appraisal of three counties, with the seed's five phases."""
    spec = {
        "code": code,
        "name": "测试评议活动",
        "year": year,
        "organizer": "city",
        "scheme": "preset:tiered-70-30",
        "units": [
            {"code": "prov", "name": "省局", "level": "province"},
            {"code": "city", "name": "市局", "level": "city", "parent": "prov"},
            {"code": "county-a", "name": "甲县局", "level": "county", "parent": "city"},
            {"code": "county-b", "name": "乙县局", "level": "county", "parent": "city"},
            {"code": "county-c", "name": "丙县局", "level": "county", "parent": "city"},
        ],
        "targets": [
            {"unit": "county-a", "group": "县局"},
            {"unit": "county-b", "group": "县局"},
            {"unit": "county-c", "group": "县局", "exempt": True},
        ],
        "phases": [
            {
                "kind": "mobilize",
                "name": "宣传发动阶段",
                "start": date(year, 6, 22),
                "end": date(year, 7, 10),
            },
            {
                "kind": "consult",
                "name": "征求意见阶段",
                "start": date(year, 7, 11),
                "end": date(year, 7, 25),
            },
            {
                "kind": "rectify",
                "name": "整改阶段",
                "start": date(year, 7, 26),
                "end": date(year, 8, 31),
            },
            {
                "kind": "evaluate",
                "name": "检查评议阶段",
                "start": date(year, 9, 1),
                "end": date(year, 9, 15),
            },
            {
                "kind": "summarize",
                "name": "总结表彰阶段",
                "start": date(year, 9, 16),
                "end": date(year, 9, 30),
            },
        ],
    }
    spec.update(overrides)
    return spec


def make_campaign(**overrides) -> Campaign:
    return do_load_campaign_spec(small_spec(**overrides), acting_user=OPERATOR).campaign


class Cast:
    """The personas every app's tests share (see STYLE.md)."""

    def __init__(self):
        self.campaign = make_campaign()
        units = {u.code: u for u in Unit.objects.all()}
        self.units = units
        self.organizer = make_user(
            "organizer", role=Role.ORGANIZER, unit=units["city"], is_staff=True
        )
        self.leader = make_user("leader", role=Role.LEADER, unit=units["city"])
        self.tallier = make_user("tallier", role=Role.TALLIER, unit=units["city"])
        self.inspector = make_user("inspector", role=Role.INSPECTOR, unit=units["city"])
        self.evaluator = make_user("evaluator", role=Role.EVALUATOR, unit=units["city"])
        self.liaison = make_user("liaison", role=Role.LIAISON, unit=units["county-a"])
        self.other_liaison = make_user("other_liaison", role=Role.LIAISON, unit=units["county-b"])
        self.province_organizer = make_user(
            "prov_organizer", role=Role.ORGANIZER, unit=units["prov"]
        )
        self.nobody = make_user("nobody")
        self.evaluator_entry = do_add_evaluator(
            unit=units["city"],
            name="李建国",
            category=EvaluatorCategory.NPC_DEPUTY,
            term_start=date(self.campaign.year, 1, 1),
            term_end=date(self.campaign.year + 2, 12, 31),
            user=self.evaluator,
            acting_user=OPERATOR,
        )

    def target(self, unit_code: str):
        return self.campaign.targets.select_related("unit").get(unit__code=unit_code)
