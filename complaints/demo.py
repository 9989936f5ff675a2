"""Demo complaints for the science-bureau campaign, entered through the actions.

Six complaints across counties, channels and categories, received in the
campaign year: one verified and rated, one replied and waiting for
verification, two assigned and past due, one anonymous note from the
suggestion box never assigned, one closed without a reply. Loading twice
changes nothing.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from complaints.access import ComplaintAccess
from complaints.actions import (
    Identity,
    do_assign_complaint,
    do_close_complaint,
    do_file_complaint,
    do_rate_reply,
    do_reply_complaint,
    do_verify_complaint,
)
from complaints.models import Category, Channel, Kind, Rating


@dataclass(frozen=True)
class DemoComplaint:
    unit: str
    channel: str
    kind: str
    category: str
    received: tuple[int, int]
    content: str
    identity: Identity | None
    steps: tuple[str, ...] = ()
    reply: str = ""
    notes: dict = field(default_factory=dict)


DEMO_COMPLAINTS = [
    DemoComplaint(
        "donghu-kjj",
        Channel.HOTLINE,
        Kind.COMPLAINT,
        Category.DEMANDING_FAVOURS,
        (7, 6),
        "7月3日到东湖区科技局窗口提交高新技术企业认定初审材料，经办人员暗示要“表示表示”"
        "才能尽快出具推荐意见，材料在窗口压了一周没有任何进展。",
        Identity("陈建军", "139 0731 1234", "东湖区建设路18号"),
        steps=("assign", "reply", "verify", "rate"),
        reply="经调查核实，该经办人员在受理过程中存在言语不当、拖延办理问题。局党组已对其进行"
        "诫勉谈话并调离窗口岗位；企业材料已于7月15日完成初审并出具推荐意见。"
        "我局将在全局开展“吃拿卡要”专项整治，欢迎继续监督。",
        notes={
            "assign": "请于限期内调查核实并书面答复，答复前不得向投诉人所在企业了解投诉人情况。"
        },
    ),
    DemoComplaint(
        "xihu-kjj",
        Channel.LETTER,
        Kind.COMPLAINT,
        Category.ARBITRARY_FEES,
        (7, 14),
        "西湖区科技局组织科技型中小企业评价培训，每家企业收取资料费800元，未开具正规发票，"
        "也没有说明收费依据。",
        Identity("王秀兰", "0731-8562 0471", "西湖区枫林路96号"),
        steps=("assign",),
    ),
    DemoComplaint(
        "qingshan-kjj",
        Channel.MAILBOX,
        Kind.COMPLAINT,
        Category.ATTITUDE,
        (7, 20),
        "青山区科技局窗口工作人员上班时间玩手机，群众咨询科技项目申报政策时态度生硬，"
        "只说“自己上网查”。",
        None,
    ),
    DemoComplaint(
        "donghu-kjj",
        Channel.VISIT,
        Kind.COMPLAINT,
        Category.BUCK_PASSING,
        (8, 3),
        "申请科技成果登记，区科技局说要先到市局备案，市局说由区里受理，来回跑了四趟仍未办成。",
        Identity("刘志刚", "137 8712 5566", ""),
        steps=("assign",),
        notes={"assign": "来访反映，请核实科技成果登记的受理层级并答复。"},
    ),
    DemoComplaint(
        "xihu-kjj",
        Channel.EMAIL,
        Kind.OPINION,
        Category.EFFICIENCY,
        (9, 8),
        "建议将科技特派员项目申报改为网上办理，并在网站公开各环节办理时限和进度。",
        Identity("周敏", "", "西湖区桃源街道办事处"),
        steps=("assign", "reply"),
        reply="感谢您的建议。科技特派员项目申报已列入我局“一网通办”改造计划，预计年底前上线，"
        "届时将同步公开办理时限和进度查询。",
    ),
    DemoComplaint(
        "nanan-kjj",
        Channel.HOTLINE,
        Kind.COMPLAINT,
        Category.OTHER,
        (9, 15),
        "反映某商场销售的电动自行车电池存在质量问题，要求科技局处理。",
        Identity("赵立新", "135 7310 8899", ""),
        steps=("close",),
        notes={"close": "不属于科技系统职责范围，请向市场监管部门反映（12315）。"},
    ),
]


def load_demo(campaign, users: dict) -> None:
    if campaign.complaints.exists():
        return
    today = timezone.localdate()
    with transaction.atomic():
        for item in DEMO_COMPLAINTS:
            _load_one(campaign, users, item, today)


def _load_one(campaign, users, item: DemoComplaint, today: date) -> None:
    organizer = users["organizer"]
    complaint = do_file_complaint(
        campaign,
        target=campaign.targets.select_related("unit").get(unit__code=item.unit),
        channel=item.channel,
        kind=item.kind,
        category=item.category,
        content=item.content,
        anonymous=item.identity is None,
        identity=item.identity,
        # A demo loaded before the campaign's summer is received today instead.
        received_on=min(date(campaign.year, *item.received), today),
        acting_user=organizer,
    )
    liaison = next(
        (u for u in (users.get("liaison"), users.get("liaison2")) if _liaison_of(u, item.unit)),
        None,
    )
    for step in item.steps:
        note = item.notes.get(step, "")
        if step == "assign":
            do_assign_complaint(_as(organizer, complaint), note=note, acting_user=organizer)
        elif step == "reply" and liaison is not None:
            do_reply_complaint(_as(liaison, complaint), text=item.reply, acting_user=liaison)
        elif step == "verify":
            do_verify_complaint(_as(organizer, complaint), note=note, acting_user=organizer)
        elif step == "close":
            # Closed without a reply: the reason is for the complainant to read.
            do_close_complaint(_as(organizer, complaint), public_note=note, acting_user=organizer)
        elif step == "rate":
            do_rate_reply(
                complaint, rating=Rating.BASICALLY_SATISFIED, comment="处理结果基本满意。"
            )


def _as(user, complaint) -> ComplaintAccess:
    return ComplaintAccess(user, complaint)


def _liaison_of(user, unit_code: str) -> bool:
    return (
        user is not None and user.memberships.filter(unit__code=unit_code, role="liaison").exists()
    )
