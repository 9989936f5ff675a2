"""The demo campaign, modelled on the city science bureau seed (seeds/004).

A city bureau evaluates its 12 county bureaus in one peer group, with the
seed's five phases moved to the current year and the 70/30 scheme. Loading
is idempotent: a second run changes nothing but the demo passwords.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from campaigns.access import CampaignAccess
from campaigns.actions import do_decide_transition, do_load_campaign_spec, do_request_transition
from campaigns.models import Campaign, TransitionRequest
from orgs.access import OPERATOR
from orgs.actions import do_add_evaluator, do_disqualify_evaluator, do_ensure_user, do_grant_role
from orgs.models import Evaluator, EvaluatorCategory, Prohibition, Role, Unit

CITY = "city-kjj"
COUNTY_GROUP = "县(市、区)科技局"
COUNTIES = [
    ("donghu-kjj", "东湖区科技局"),
    ("xihu-kjj", "西湖区科技局"),
    ("qingshan-kjj", "青山区科技局"),
    ("nanan-kjj", "南岸区科技局"),
    ("linjiang-kjj", "临江市科技局"),
    ("changfeng-kjj", "长丰县科技局"),
    ("beiling-kjj", "北岭县科技局"),
    ("baisha-kjj", "白沙县科技局"),
    ("yunxi-kjj", "云溪县科技局"),
    ("shimen-kjj", "石门县科技局"),
    ("qinghe-kjj", "清河县科技局"),
    ("meilin-kjj", "梅林县科技局"),
]
# The seed's timetable (第一阶段 … 第五阶段), month and day.
SEED_PHASES = [
    ("mobilize", "宣传发动和准备阶段", (6, 22), (7, 10)),
    ("consult", "征求意见和自查自纠阶段", (7, 11), (7, 25)),
    ("rectify", "反馈意见、整改建制阶段", (7, 26), (8, 31)),
    ("evaluate", "检查评议、集中统分阶段", (9, 1), (9, 15)),
    ("summarize", "通报结果、总结表彰阶段", (9, 16), (9, 30)),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    unit: str

    @property
    def password(self) -> str:
        return f"pingyi-{self.username}"


DEMO_USERS = [
    DemoUser("organizer", "秦国华（市科技评议办）", Role.ORGANIZER, CITY),
    DemoUser("leader", "汪金坤（领导小组副组长）", Role.LEADER, CITY),
    DemoUser("tallier", "章晓云（市统计局）", Role.TALLIER, CITY),
    # A second organizer: paper forms need a third person to resolve differing keyings.
    DemoUser("clerk", "周敏（市科技评议办录入员）", Role.ORGANIZER, CITY),
    DemoUser("inspector", "郑新华（评议组）", Role.INSPECTOR, CITY),
    DemoUser("evaluator", "刘圣强（行风监督员）", Role.EVALUATOR, CITY),
    DemoUser("liaison", "罗新裕（东湖区科技局）", Role.LIAISON, "donghu-kjj"),
    DemoUser("liaison2", "王旭（西湖区科技局）", Role.LIAISON, "xihu-kjj"),
]


def demo_spec(year: int) -> dict:
    units = [
        {"code": "prov-kjt", "name": "省科技厅", "level": "province", "kind": "department"},
        {"code": CITY, "name": "市科技局", "level": "city", "kind": "bureau", "parent": "prov-kjt"},
        {
            "code": "city-kjj-office",
            "name": "市科技局办公室（市科技评议办）",
            "level": "city",
            "kind": "section",
            "parent": CITY,
        },
    ]
    units += [
        {"code": c, "name": n, "level": "county", "kind": "bureau", "parent": CITY}
        for c, n in COUNTIES
    ]
    return {
        "code": f"kj-{year}",
        "name": f"{year}年全市科技系统民主评议政风行风",
        "year": year,
        "organizer": CITY,
        "scheme": "preset:tiered-70-30",
        "units": units,
        "targets": [{"unit": c, "group": COUNTY_GROUP} for c, _ in COUNTIES],
        "phases": [
            {"kind": k, "name": n, "start": date(year, *s), "end": date(year, *e)}
            for k, n, s, e in SEED_PHASES
        ],
    }


def load_demo(year: int | None = None) -> tuple[Campaign, dict]:
    """Load the campaign, its users and roster; returns the campaign and users by username."""
    year = year or timezone.localdate().year
    with transaction.atomic():
        report = do_load_campaign_spec(demo_spec(year), acting_user=OPERATOR)
        users = _users()
        _roster(year, users)
        _transitions(report.campaign, users)
    return report.campaign, users


def _users() -> dict:
    users = {}
    for demo in DEMO_USERS:
        user, _ = do_ensure_user(
            demo.username,
            display_name=demo.display_name,
            password=demo.password,
            is_staff=demo.role == Role.ORGANIZER,
            acting_user=OPERATOR,
        )
        do_grant_role(user, Unit.objects.get(code=demo.unit), demo.role, acting_user=OPERATOR)
        users[demo.username] = user
    return users


def _roster(year: int, users: dict) -> None:
    city = Unit.objects.get(code=CITY)
    if Evaluator.objects.filter(unit=city).exists():
        return
    term = {"term_start": date(year, 1, 1), "term_end": date(year + 2, 12, 31)}
    people = [
        ("李建国", EvaluatorCategory.NPC_DEPUTY, "市人大代表"),
        ("陈淑芬", EvaluatorCategory.CPPCC_MEMBER, "市政协委员"),
        ("刘圣强", EvaluatorCategory.CONDUCT_SUPERVISOR, "市纠风办特邀行风监督员"),
        ("周海涛", EvaluatorCategory.CLIENT_REPRESENTATIVE, "高新技术企业代表"),
        ("吴丽娟", EvaluatorCategory.SPECIAL_INSPECTOR, "市监委特邀监察员"),
        ("赵志明", EvaluatorCategory.CLIENT_REPRESENTATIVE, "科研院所代表"),
    ]
    # The demo's evaluator login is 刘圣强, so hearing verdicts can be given in person.
    added = [
        do_add_evaluator(
            unit=city,
            name=n,
            category=c,
            affiliation=a,
            user=users["evaluator"] if n == "刘圣强" else None,
            acting_user=OPERATOR,
            **term,
        )
        for n, c, a in people
    ]
    do_disqualify_evaluator(
        added[-1],
        prohibition=Prohibition.ACCEPT_HOSPITALITY,
        reason="接受被评单位安排的宴请，违反“八个严禁”。",
        acting_user=OPERATOR,
    )


def _transitions(campaign, users) -> None:
    if TransitionRequest.objects.filter(target__campaign=campaign).exists():
        return
    organizer = users["organizer"]
    approved_target = campaign.targets.get(unit__code="xihu-kjj")
    request = do_request_transition(
        CampaignAccess(users["liaison2"], campaign),
        approved_target,
        note="实施方案已于7月8日报市科技评议办。",
        acting_user=users["liaison2"],
    )
    do_decide_transition(
        CampaignAccess(organizer, campaign),
        request,
        approve=True,
        comment="材料齐全，同意转入下一阶段。",
        acting_user=organizer,
    )
    pending_target = campaign.targets.get(unit__code="donghu-kjj")
    do_request_transition(
        CampaignAccess(users["liaison"], campaign),
        pending_target,
        note="动员大会已召开，实施方案已上报。",
        acting_user=users["liaison"],
    )
