"""Demo data: a covert inspection of 东湖区科技局 and a face-to-face hearing.

Everything goes through the actions. Loading twice changes nothing: each
part is skipped when it exists already. A part dated after today is skipped
too (an inspection is recorded after the visit, questions after the
hearing), so a demo for a future year simply has none yet.
"""

from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from campaigns.access import CampaignAccess
from campaigns.models import Campaign
from inspections.access import eligible_evaluators
from inspections.actions import (
    do_ask_question,
    do_give_verdict,
    do_record_finding,
    do_record_hearing,
    do_record_inspection,
)
from inspections.models import Hearing, Inspection, InspectionKind, Severity
from pingyi.lib.workdays import add_working_days

HEARING_TITLE = "全市科技系统政风行风面对面评议会"


def load_demo(campaign: Campaign, users: dict) -> None:
    today = timezone.localdate()
    with transaction.atomic():
        _covert_inspection(campaign, users, today)
        _hearing(campaign, users, today)


def _covert_inspection(campaign: Campaign, users: dict, today: date) -> None:
    target = campaign.targets.select_related("unit").get(unit__code="donghu-kjj")
    visit = date(campaign.year, 7, 15)
    if (
        visit > today
        or Inspection.objects.filter(target=target, kind=InspectionKind.COVERT, date=visit).exists()
    ):
        return
    inspector = users["inspector"]
    access = CampaignAccess(inspector, campaign)
    inspection = do_record_inspection(
        access,
        target,
        kind=InspectionKind.COVERT,
        date=visit,
        place="东湖区政务服务中心科技局窗口",
        inspectors=[inspector, users["organizer"]],
        summary="评议组两名成员以办事群众身份，上午9时至11时在窗口观察科技项目申报咨询和受理情况。",
        acting_user=inspector,
    )
    note = ContentFile(
        "暗访记录（摘录）\n"
        f"{visit.year}年7月15日9:40至9:55，科技局2号窗口工作人员低头玩手机，"
        "其间有两名群众排队等候，无人接待。\n".encode()
    )
    do_record_finding(
        access,
        inspection,
        description="窗口工作人员上班时间玩手机，群众等候十余分钟无人接待。",
        severity=Severity.MODERATE,
        deadline=date(campaign.year, 7, 31),
        evidence=[note],
        acting_user=inspector,
    )
    do_record_finding(
        access,
        inspection,
        description="收费公示栏未及时更新，仍公示已取消的技术合同登记收费项目。",
        severity=Severity.MINOR,
        deadline=date(campaign.year, 8, 14),
        acting_user=inspector,
    )


def _hearing(campaign: Campaign, users: dict, today: date) -> None:
    day = date(campaign.year, 8, 5)
    if day > today or Hearing.objects.filter(campaign=campaign, title=HEARING_TITLE).exists():
        return
    present = [e for e in eligible_evaluators(campaign) if e.serves_on(day)][:4]
    if len(present) < 2:
        return
    organizer = users["organizer"]
    access = CampaignAccess(organizer, campaign)
    donghu = campaign.targets.select_related("unit").get(unit__code="donghu-kjj")
    xihu = campaign.targets.select_related("unit").get(unit__code="xihu-kjj")
    hearing = do_record_hearing(
        access,
        title=HEARING_TITLE,
        date=day,
        place="市科技局三楼会议室",
        targets=[donghu, xihu],
        evaluators=present,
        acting_user=organizer,
    )
    answered = do_ask_question(
        access,
        hearing,
        target=xihu,
        asked_by=present[0],
        text="科技项目申报材料要求多次变更，企业反复跑腿，你局准备如何解决？",
        on_site_answer=(
            "我局将在本月底前公布统一的申报材料清单，实行一次性告知和网上预审，"
            "材料不全的当场告知，不再让企业多跑。"
        ),
        acting_user=organizer,
    )
    # The asker's own account gives the verdict; without one the organizer records it.
    judge = present[0].user or organizer
    do_give_verdict(
        CampaignAccess(judge, campaign),
        answered,
        satisfied=True,
        comment="答复具体，措施可行，请抓好落实。",
        acting_user=judge,
    )
    do_ask_question(
        access,
        hearing,
        target=donghu,
        asked_by=present[1],
        text="高新技术企业培育补贴资金拨付滞后，有的企业半年未到账，原因是什么？",
        reply_due=add_working_days(day, 10),
        acting_user=organizer,
    )
