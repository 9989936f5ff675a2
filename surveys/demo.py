"""The demo survey: a questionnaire open around today, invitations for every county,
a few hundred answers given through the real submission path (some of them
flagged), open links in two service halls, and a paper batch mid-reconciliation
(five forms agreed, one resolved, two differing, two keyed once, two not keyed).

Loading is idempotent: nothing is added once the campaign has a questionnaire.
`load_demo` returns a few unused invitation links to print for trying.
"""

import random
from datetime import timedelta

from django.utils import timezone

from campaigns.models import Campaign
from surveys.invitations import do_create_invitation_batch, do_create_open_link
from surveys.paper import do_create_paper_batch, do_enter_paper_form, do_resolve_paper_form
from surveys.questionnaires import do_save_questionnaire
from surveys.submission import Client, do_submit_by_token, do_submit_open_link

INVITATIONS_PER_COUNTY = 24
# Short remarks, as honest answers have them; the duplicate-text signal ignores these.
PROBLEMS = ["午休时间无人值守", "材料要求反复变更", "办事指南不一致", "", "", "", "", ""]
SUGGESTIONS = ["推行网上预约", "延长周六服务", "", "", "", ""]
# Share of 优秀/满意/基本满意/不满意/不了解 among the web answers.
WEIGHTS = (30, 40, 20, 7, 3)


def load_demo(campaign: Campaign, users: dict) -> list[tuple[str, str]]:
    """Returns [(target name, unused token)] to print, or [] when already loaded."""
    if campaign.questionnaires.exists():
        return []
    organizer = users["organizer"]
    today = timezone.localdate()
    do_save_questionnaire(
        campaign,
        {
            "opens_on": today - timedelta(days=7),
            "closes_on": today + timedelta(days=30),
            # Low, so the demo's service-hall posters show the burst signal.
            "burst_count": 10,
        },
        acting_user=organizer,
    )
    rng = random.Random(campaign.year)  # noqa: S311 - repeatable demo data, not a secret
    targets = list(campaign.targets.select_related("unit").order_by("unit__path"))
    unused = []
    for number, target in enumerate(targets):
        _, tokens = do_create_invitation_batch(
            campaign,
            target,
            size=INVITATIONS_PER_COUNTY,
            label="短信邀请（服务对象）",
            acting_user=organizer,
        )
        answered = INVITATIONS_PER_COUNTY - 4 - number % 5
        for index, (_serial, token) in enumerate(tokens[:answered]):
            client = Client(ip=f"198.51.{number}.{index + 1}", user_agent="demo phone")
            do_submit_by_token(token, _answers(rng), client=client)
        if number < 3:
            unused.append((target.unit.name, tokens[-1][1]))
    _open_links(campaign, targets[:2], organizer, rng)
    _paper(campaign, targets[2], users, rng)
    return unused


def _answers(rng: random.Random, tier: str | None = None) -> dict:
    tiers = ("优秀", "满意", "基本满意", "不满意", "不了解")
    return {
        "tier": tier or rng.choices(tiers, weights=WEIGHTS)[0],
        "problems": rng.choice(PROBLEMS),
        "suggestions": rng.choice(SUGGESTIONS),
    }


def _open_links(campaign: Campaign, targets, organizer, rng: random.Random) -> None:
    """A poster in two service halls: honest answers, one phone answering again and again,
    and the same complaint pasted several times: flags for the organizer to review."""
    for target in targets:
        link = do_create_open_link(campaign, target, label="办事大厅海报", acting_user=organizer)
        for n in range(8):
            client = Client(ip=f"203.0.113.{n + 10}", user_agent="hall visitor")
            do_submit_open_link(link.slug, _answers(rng), client=client)
        same_phone = Client(ip="203.0.113.200", user_agent="the same phone")
        for _ in range(3):
            do_submit_open_link(link.slug, _answers(rng, "优秀"), client=same_phone)
    pasted = {"tier": "不满意", "problems": "该单位办事效率低下，态度恶劣，强烈要求整改！"}
    for n in range(3):
        client = Client(ip=f"192.0.2.{n + 1}", user_agent="another phone")
        do_submit_open_link(link.slug, pasted, client=client)


def _paper(campaign: Campaign, target, users: dict, rng: random.Random) -> None:
    """Twelve forms mid-reconciliation: agreed, resolved, differing, keyed once, not keyed."""
    batch = do_create_paper_batch(
        campaign, target, size=12, label="服务大厅意见箱", acting_user=users["organizer"]
    )
    forms = list(batch.forms.order_by("serial"))
    for form in forms[:8]:
        answers = _answers(rng)
        do_enter_paper_form(form, answers, acting_user=users["organizer"])
        if form.serial in (6, 7, 8):  # the second keyer read the tick one box lower
            answers = {**answers, "tier": "基本满意" if answers["tier"] != "基本满意" else "满意"}
        do_enter_paper_form(form, answers, acting_user=users["tallier"])
    do_resolve_paper_form(forms[5], _answers(rng), acting_user=users["clerk"])
    for form in forms[8:10]:
        do_enter_paper_form(form, _answers(rng), acting_user=users["organizer"])
