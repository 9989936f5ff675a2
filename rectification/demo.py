"""Demo ledger and reports for the science bureau campaign (campaigns.demo), made through the actions.

Items in every status across several counties (some overdue), report due dates
for all twelve counties at the end of each phase, and submissions, some late and
one county missing. Everything is written on the day the demo loads, so a few
due dates are moved around today (an extension granted, a date brought forward)
to show both on-time and late submissions whatever the date. A second call
changes nothing.
"""

from datetime import timedelta
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from docx import Document

from campaigns.access import CampaignAccess
from orgs.access import OPERATOR
from orgs.actions import do_ensure_user, do_grant_role
from orgs.models import Role, Unit
from rectification.actions import (
    do_add_evidence,
    do_add_progress_note,
    do_explain_rectification_item,
    do_mark_rectification_done,
    do_open_rectification_item,
    do_set_report_due,
    do_set_report_dues_from_phases,
    do_start_rectification_item,
    do_submit_report,
    do_update_rectification_plan,
    do_verify_rectification_item,
)
from rectification.models import RectificationItem, ReportDue, ReportKind, Source

# Contacts of the counties without a demo login (the two with one come from campaigns.demo).
COUNTY_LIAISONS = {
    "qingshan-kjj": "周敏（青山区科技局）",
    "nanan-kjj": "李娜（南岸区科技局）",
    "linjiang-kjj": "陈晓东（临江市科技局）",
    "changfeng-kjj": "黄丽（长丰县科技局）",
    "beiling-kjj": "孙志刚（北岭县科技局）",
    "baisha-kjj": "何静（白沙县科技局）",
    "yunxi-kjj": "吴海燕（云溪县科技局）",
    "shimen-kjj": "郭建华（石门县科技局）",
    "qinghe-kjj": "马俊（清河县科技局）",
    "meilin-kjj": "林芳（梅林县科技局）",
}
MISSING_COUNTY = "meilin-kjj"  # has not sent its implementation plan


def load_demo(campaign, users: dict) -> None:
    liaisons = {"donghu-kjj": users["liaison"], "xihu-kjj": users["liaison2"]}
    liaisons |= _county_liaisons()
    organizer = users["organizer"]
    if not RectificationItem.objects.filter(target__campaign=campaign).exists():
        _ledger(campaign, organizer, users["inspector"], liaisons)
    if not ReportDue.objects.filter(target__campaign=campaign).exists():
        _reports(campaign, organizer, liaisons)


def _county_liaisons() -> dict:
    result = {}
    for code, display_name in COUNTY_LIAISONS.items():
        user, _created = do_ensure_user(
            f"liaison-{code.removesuffix('-kjj')}", display_name=display_name, acting_user=OPERATOR
        )
        do_grant_role(user, Unit.objects.get(code=code), Role.LIAISON, acting_user=OPERATOR)
        result[code] = user
    return result


def _text_file(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")


def _ledger(campaign, organizer, inspector, liaisons) -> None:
    today = timezone.localdate()
    staff = CampaignAccess(organizer, campaign)

    def target(code):
        return campaign.targets.select_related("unit").get(unit__code=code)

    def open_item(code, source, problem, days, *, by=None, **plan):
        user = by or organizer
        return do_open_rectification_item(
            CampaignAccess(user, campaign),
            target(code),
            source=source,
            problem=problem,
            deadline=today + timedelta(days=days),
            acting_user=user,
            **plan,
        )

    def as_unit(code):
        user = liaisons[code]
        return CampaignAccess(user, campaign), user

    # 东湖区: one overdue in progress, one planned by the unit itself, one done and verified.
    access, liaison = as_unit("donghu-kjj")
    item = open_item(
        "donghu-kjj",
        Source.COMPLAINT,
        "科技项目申报材料被退回时未一次性告知需补正的内容，企业反映多次往返。",
        -12,
        source_ref="complaints.complaint:demo",
    )
    do_update_rectification_plan(
        access,
        item,
        plan="制定项目申报材料一次性告知清单，在服务窗口和网站公示；退件须填写补正告知书。",
        responsible_person="张伟（办公室主任）",
        goal="申报材料补正一次告知率达到100%。",
        acting_user=liaison,
    )
    do_start_rectification_item(access, item, acting_user=liaison)
    do_add_progress_note(
        access,
        item,
        text="一次性告知清单初稿已完成，正在征求业务科室意见。",
        acting_user=liaison,
    )
    open_item(
        "donghu-kjj",
        Source.SELF_INSPECTION,
        "局网站政务公开栏目更新不及时，2项惠企政策文件未按时公开。",
        20,
        by=liaison,
        plan="明确专人负责网站信息发布，建立每周更新检查制度。",
        responsible_person="刘洋（信息中心）",
        goal="政策文件印发后5个工作日内公开。",
    )
    item = open_item(
        "donghu-kjj",
        Source.FINDING,
        "暗访发现：服务窗口午休时段无人值守，群众办事等候时间较长。",
        5,
        plan="实行午间轮班值守制度，窗口公示值班人员和电话。",
        responsible_person="陈静（政务服务科）",
        goal="工作日午间窗口不断档。",
    )
    do_start_rectification_item(access, item, acting_user=liaison)
    do_add_evidence(
        access,
        item,
        upload=_text_file(
            "值班表.txt",
            "东湖区科技局服务窗口午间轮班值守表\n周一 张伟\n周二 陈静\n周三 刘洋\n"
            "周四 王芳\n周五 赵磊\n",
        ),
        description="午间轮班值守表（已在窗口公示）",
        acting_user=liaison,
    )
    do_mark_rectification_done(
        access, item, note="午间轮班值守制度已于本月起执行。", acting_user=liaison
    )
    do_verify_rectification_item(
        staff, item, accept=True, note="经回访抽查，午间窗口均有人值守。", acting_user=organizer
    )

    # 西湖区: explained and waiting, planned but overdue, in progress on time.
    access, liaison = as_unit("xihu-kjj")
    item = open_item(
        "xihu-kjj",
        Source.HEARING_QUESTION,
        "评议代表质询：科技型中小企业评价入库审核周期长，企业不清楚办理进度。",
        15,
        source_ref="inspections.question:demo",
    )
    do_explain_rectification_item(
        access,
        item,
        explanation=(
            "入库审核由省科技厅统一组织，区局只负责初审推荐，审核周期非我局所能缩短；"
            "已在服务大厅公示办理流程、省级咨询电话和查询网址，并对申报企业逐一电话告知进度。"
        ),
        acting_user=liaison,
    )
    open_item(
        "xihu-kjj",
        Source.SUPERIOR_FEEDBACK,
        "市科技评议办反馈：科技特派员工作经费拨付滞后。",
        -5,
        responsible_person="王旭（计划财务科）",
    )
    item = open_item(
        "xihu-kjj",
        Source.SURVEY_PROBLEM,
        "问卷反映：高新技术企业认定政策宣传不到位，部分企业不了解申报条件。",
        30,
    )
    do_update_rectification_plan(
        access,
        item,
        plan="举办高企认定政策宣讲会2场，编印政策问答手册。",
        responsible_person="王旭",
        goal="辖区规上企业政策知晓率明显提高。",
        acting_user=liaison,
    )
    do_start_rectification_item(access, item, acting_user=liaison)

    # Other counties, worked by their contacts.
    access, liaison = as_unit("qingshan-kjj")
    item = open_item(
        "qingshan-kjj",
        Source.FINDING,
        "明查发现：2项科技专项资金项目验收档案不完整。",
        -2,
        by=inspector,
    )
    do_mark_rectification_done(
        access, item, note="已补齐验收报告和财务审计材料，档案归档。", acting_user=liaison
    )

    access, liaison = as_unit("nanan-kjj")
    item = open_item(
        "nanan-kjj",
        Source.COMPLAINT,
        "群众投诉：科普基地开放时间与公示不符。",
        -3,
    )
    do_start_rectification_item(access, item, acting_user=liaison)
    do_mark_rectification_done(access, item, note="已调整开放时间。", acting_user=liaison)
    do_verify_rectification_item(
        staff,
        item,
        accept=False,
        note="回访发现周末仍未按公示时间开放，请继续整改并提供值班记录。",
        acting_user=organizer,
    )

    access, liaison = as_unit("linjiang-kjj")
    item = open_item(
        "linjiang-kjj",
        Source.SUPERIOR_FEEDBACK,
        "市科技评议办反馈：农村科技服务站覆盖不足。",
        40,
    )
    do_explain_rectification_item(
        access,
        item,
        explanation="服务站建设需纳入明年财政预算，今年先在3个乡镇试点，明年全面推开。",
        acting_user=liaison,
    )
    do_verify_rectification_item(
        staff, item, accept=True, note="说明理由充分，试点方案已备案。", acting_user=organizer
    )

    open_item(
        "changfeng-kjj",
        Source.SELF_INSPECTION,
        "科技项目评审专家库更新不及时，部分专家信息过期。",
        10,
        by=liaisons["changfeng-kjj"],
    )


# (county, kind, wanted state or None for whatever the date gives, text)
def _submissions():
    plan = "{name}{year}年民主评议政风行风工作实施方案\n" + (
        "一、指导思想：以群众满意为标准，坚持边评边改、评改结合。\n"
        "二、组织领导：成立以局长为组长的评议工作领导小组，领导小组下设办公室。\n"
        "三、评议内容：依法行政、服务质量、办事效率、廉洁自律等八个方面。\n"
        "四、步骤安排：按市科技局统一部署，分五个阶段进行。"
    )
    inspection = "{name}自查自纠情况报告\n" + (
        "通过召开座谈会、发放征求意见表、走访服务对象，共收集意见建议{n}条，"
        "梳理出群众反映突出的问题{m}个，已全部列入整改台账，明确责任人和整改时限。\n"
        "能立即整改的已立即整改；一时难以整改的已作出说明。"
    )
    rectification = "{name}整改落实情况报告\n" + (
        "针对评议组反馈意见和自查自纠发现的问题，逐条制定整改措施，已完成整改{m}项，"
        "建立健全制度3项。"
    )
    counties = [
        code for code in ["donghu-kjj", "xihu-kjj", *COUNTY_LIAISONS] if code != MISSING_COUNTY
    ]
    wanted = {"donghu-kjj": "on_time", "xihu-kjj": "on_time", "qingshan-kjj": "late"}
    rows = [(code, ReportKind.IMPLEMENTATION_PLAN, wanted.get(code), plan) for code in counties]
    rows += [
        ("donghu-kjj", ReportKind.SELF_INSPECTION, "late", inspection),
        ("xihu-kjj", ReportKind.SELF_INSPECTION, "on_time", inspection),
        ("nanan-kjj", ReportKind.SELF_INSPECTION, None, inspection),
        ("linjiang-kjj", ReportKind.SELF_INSPECTION, None, inspection),
        ("xihu-kjj", ReportKind.RECTIFICATION_REPORT, "late", rectification),
        ("linjiang-kjj", ReportKind.RECTIFICATION_REPORT, None, rectification),
    ]
    return rows


def _reports(campaign, organizer, liaisons) -> None:
    today = timezone.localdate()
    staff = CampaignAccess(organizer, campaign)
    do_set_report_dues_from_phases(staff, acting_user=organizer)
    targets = {t.unit.code: t for t in campaign.targets.select_related("unit")}
    for index, (code, kind, state, template) in enumerate(_submissions()):
        target = targets[code]
        due = ReportDue.objects.get(target=target, kind=kind)
        if state == "on_time" and due.due_date < today:
            # 延期: an extension granted to this unit.
            do_set_report_due(
                staff,
                kind=kind,
                due_date=today + timedelta(days=7),
                target=target,
                acting_user=organizer,
            )
        elif state == "late" and due.due_date >= today:
            do_set_report_due(
                staff,
                kind=kind,
                due_date=today - timedelta(days=3),
                target=target,
                acting_user=organizer,
            )
        text = template.format(
            name=target.unit.name, year=campaign.year, n=20 + index, m=3 + index % 4
        )
        liaison = liaisons[code]
        do_submit_report(
            CampaignAccess(liaison, campaign),
            target,
            kind=kind,
            text=text,
            upload=_plan_docx(text)
            if (code, kind) == ("donghu-kjj", ReportKind.IMPLEMENTATION_PLAN)
            else None,
            acting_user=liaison,
        )


def _plan_docx(text: str) -> SimpleUploadedFile:
    document = Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    out = BytesIO()
    document.save(out)
    return SimpleUploadedFile("实施方案.docx", out.getvalue())
