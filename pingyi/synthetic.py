"""Synthetic province-scale data for benchmarks (issue 6): `pingyi demo --scale province`.

`generate_province` builds a province-wide campaign: a four-level unit tree
(province → cities → counties → grassroots stations, with city and county
departments beside them), about `targets` targets in four peer groups, the
seeds' 70/30 scheme with respondent category weights, dated phases, the
responses (`add_responses`) and assessor scores, and one audit event saying
what was generated. A code that already exists is refused; `add_responses`
grows an existing synthetic campaign instead.

Everything is deterministic: the tree and the targets' character (how well
each one is liked, how many answer about it) follow from the seed and each
unit's place in the tree, and each `add_responses` call draws its rows from
the seed and the number of responses the campaign already holds, so the same
seed and the same calls give the same rows, in any campaign code or database.

Responses are written the bulk way (COPY on PostgreSQL, `executemany` on
SQLite) in transactions of `TRANSACTION_ROWS`; each transaction also adds its
own rows to the response counters, exactly, so the counters agree with the
rows after every commit (ADR 0008), even if a run is stopped half-way. The
indexes stay: dropping them would block every reader of the table and leave
work undone if a run stopped. On PostgreSQL the per-row foreign-key triggers
are replaced by locking the referenced rows once (`_foreign_keys_checked_once`).

Rows carry no receipt, submission key, questionnaire or device hash; they are
never excluded; `submitted_at` is a midnight (Asia/Shanghai) in the evaluate
phase; free text comes from a fixed pool of sentences, with its digest.
"""

import itertools
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.record import record_event
from campaigns.demo import SEED_PHASES
from campaigns.models import Campaign, Phase, PhaseKind, Target
from orgs.access import OPERATOR
from orgs.models import CODE_PATTERN, Level, Unit
from scoring.models import AssessorScore
from scoring.queries import resolved_scheme
from scoring.schemes import parse_scheme
from surveys.counters import ADD_ON_CONFLICT, COLUMNS, COUNTER
from surveys.models import Channel, Response
from surveys.signals import text_digest

Progress = Callable[[str, int, int], None]

PRESET = "tiered-70-30"
# Weights of the respondent categories in the survey share (DESIGN.md's example) …
CATEGORY_WEIGHTS = {"服务对象": 0.6, "人大代表": 0.2, "行风监督员": 0.2}
# … and how many of the answers each category gives (clients far outnumber the others).
CATEGORY_SHARES = {"服务对象": 86, "人大代表": 6, "行风监督员": 8}
# Deputies and supervisors look closer and mark lower than the public.
CATEGORY_BIAS = {"服务对象": 0.0, "人大代表": -0.05, "行风监督员": -0.12}

# Shares of 优秀/满意/基本满意/不满意/不了解 for the worst liked, a middling and the
# best liked target; a target's mood lies between them according to its quality.
# With these figures and TROUBLED_SHARE about 3 in 4 targets reach 满意 (80) and
# nearly 1 in 100 falls below 60; over all answers 不满意 stays under 10%.
MOODS = ((2, 8, 20, 65, 5), (25, 42, 22, 7, 4), (60, 30, 6, 1.5, 2.5))
# Chance of free text by tier: the unhappy write most.
TEXT_CHANCE = (0.03, 0.05, 0.12, 0.35, 0.02)
CRITICAL_TIERS = {"基本满意", "不满意"}
TROUBLED_SHARE = 0.03  # targets in real trouble, whose totals fall towards or below 60

GROUP_CITY = "市直部门"
GROUP_ENFORCEMENT = "县区部门（执法监管类）"
GROUP_SERVICE = "县区部门（公共服务类）"
GROUP_STATION = "基层站所"
# Peer groups: share of the targets, offset to their quality, weight of their answer volume.
GROUPS = {
    GROUP_CITY: (0.12, 0.03, 1.6),
    GROUP_ENFORCEMENT: (0.15, -0.05, 1.0),
    GROUP_SERVICE: (0.15, 0.0, 1.0),
    GROUP_STATION: (0.58, -0.02, 0.6),
}

# (channel, reported channel as kept in `origin`, share in percent)
CHANNELS = [
    (Channel.WEB, "invitation", 40),
    (Channel.WEB, "open_link", 15),
    (Channel.PAPER, "paper", 25),
    (Channel.PHONE, "电话回访", 12),
    (Channel.IMPORT, "纸质问卷录入", 5),
    (Channel.IMPORT, "座谈会", 3),
]
WEEKEND_WEIGHT = 0.4  # fewer answers on Saturdays and Sundays

ASSESSORS = ("评议组组长", "评议组成员甲", "评议组成员乙")

CHUNK_ROWS = 50_000  # rows generated and written at a time: memory stays flat
TRANSACTION_ROWS = 1_000_000  # rows per commit; keeps SQLite's WAL and PG's trigger queue small
SQLITE_CACHE_KIB = 256 * 1024  # a larger page cache while writing keeps index pages in memory

RESPONSE_COLUMNS = (
    "campaign_id, target_id, category, tier, submitted_at, channel, origin, "
    "problems, suggestions, text_digest, device_hash"
)
RESPONSE_TABLE = Response._meta.db_table
# What each foreign-key trigger would lock, locked once (see _foreign_keys_checked_once).
LOCK_CAMPAIGN = f"SELECT id FROM {Campaign._meta.db_table} WHERE id = %s FOR KEY SHARE"  # noqa: S608 - our own table
LOCK_TARGETS = f"SELECT id FROM {Target._meta.db_table} WHERE campaign_id = %s FOR KEY SHARE"  # noqa: S608 - our own table
# Add counted rows to the response counters (surveys.counters' upsert): row by row …
COUNT_ROWS = (
    f"INSERT INTO {COUNTER} ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, 0, 0) {ADD_ON_CONFLICT}"  # noqa: S608 - the counters' own table and columns
)
# … or, on PostgreSQL, from one array per column.
COUNT_ARRAYS = f"""
INSERT INTO {COUNTER} ({COLUMNS})
SELECT c, t, cat, tier, n, 0, 0
FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::bigint[]) AS x(c, t, cat, tier, n)
{ADD_ON_CONFLICT}"""  # noqa: S608 - the counters' own table and columns
# Unit codes are `<campaign code>-<key>` (key: "c03-k07-s12"), at most 50 characters.
MAX_CODE_LENGTH = 30


# -- names -------------------------------------------------------------------

FIRST_CHARS = "东西南北青白临长金云清安平宁新永丰兴泰宜华江河山石龙凤桂松梅双明沙盘汉武乐昌德信"
SECOND_CHARS = "州阳川宁江山原平安沙城林溪海门湖桥坪田口岭源水亭陵谷泉"
COUNTY_SUFFIXES = ("区", "县", "县", "县", "市")
TOWN_SUFFIXES = ("镇", "镇", "乡", "街道")

CITY_DEPARTMENTS = (
    "公安局",
    "市场监督管理局",
    "人力资源和社会保障局",
    "自然资源和规划局",
    "住房和城乡建设局",
    "交通运输局",
    "卫生健康委员会",
    "生态环境局",
    "应急管理局",
    "教育局",
    "民政局",
    "司法局",
    "财政局",
    "农业农村局",
    "水利局",
    "商务局",
    "文化广电旅游局",
    "行政审批服务局",
    "城市管理局",
    "医疗保障局",
    "税务局",
    "住房公积金管理中心",
    "不动产登记中心",
    "退役军人事务局",
    "统计局",
    "审计局",
    "科学技术局",
    "林业局",
)
COUNTY_ENFORCEMENT = (
    "公安局",
    "市场监督管理局",
    "自然资源局",
    "生态环境分局",
    "应急管理局",
    "综合行政执法局",
    "交通运输局",
    "税务局",
    "住房和城乡建设局",
    "农业农村局",
)
COUNTY_SERVICE = (
    "人力资源和社会保障局",
    "卫生健康局",
    "教育局",
    "民政局",
    "医疗保障局",
    "行政审批服务局",
    "不动产登记中心",
    "供电公司",
    "自来水公司",
    "退役军人事务局",
)
STATIONS = (
    "派出所",
    "司法所",
    "财政所",
    "自然资源所",
    "市场监管所",
    "税务分局",
    "供电所",
    "卫生院",
    "社保所",
    "农技站",
)

# -- free text ---------------------------------------------------------------

PROBLEMS = (
    "窗口工作人员服务态度生硬，问多了就不耐烦",
    "办事要跑好几趟，材料没有一次性告知",
    "网上办理系统经常卡顿，提交后长时间没有反馈",
    "午休时间窗口无人值守，群众只能干等",
    "审批环节多、时限长，承诺时限经常超期",
    "收费项目和标准没有公示，收费不透明",
    "投诉后迟迟没有答复，问题石沉大海",
    "执法过程简单粗暴，只罚款不讲政策",
    "部门之间推诿扯皮，来回踢皮球",
    "咨询电话长期无人接听，咨询渠道不畅通",
    "办事指南与实际要求不一致，材料反复被退回",
    "个别工作人员上班时间玩手机、聊天",
    "政务公开栏内容陈旧，长期不更新",
    "排队叫号秩序混乱，有人插队无人管",
    "服务时间与群众作息不匹配，下班后无法办理",
    "对企业检查过多过频，影响正常生产经营",
    "惠民补贴发放不及时，手续繁琐",
    "站所人员经常不在岗，找人难",
    "证明材料要求过多，存在循环证明",
    "服务大厅指示标识不清楚，老年人办事困难",
)
SUGGESTIONS = (
    "建议推行网上预约和延时服务",
    "建议落实一次性告知和首问负责制",
    "希望增加周末和节假日服务窗口",
    "建议公开办事流程和承诺时限，接受群众监督",
    "建议加强窗口人员业务培训，提高办事效率",
    "希望进一步精简审批材料，能网上办的尽量网上办",
    "建议设立老年人绿色通道，提供帮办代办服务",
    "建议定期回访办事群众，听取意见",
    "希望投诉举报电话有人接、有回音",
    "建议统一公示值班人员和联系电话",
    "建议执法时多讲政策、多做解释",
    "希望各部门数据共享，减少重复提交材料",
    "总体满意，希望继续保持",
    "工作人员热情周到，值得表扬",
    "建议在乡镇设置自助服务终端",
)
OPENERS = ("", "反映一个问题：", "上个月去办事时发现，", "多次遇到这种情况：")


# -- the tree ----------------------------------------------------------------


@dataclass(frozen=True)
class PlannedUnit:
    """A unit to create; `key` is its code without the campaign prefix ("" for the province)."""

    key: str
    name: str
    level: str
    kind: str
    parent: str | None
    group: str = ""  # the peer group, for a target


def plan_province(seed: int, targets: int) -> list[PlannedUnit]:
    """The tree, parents before children, with exactly `targets` targets."""
    if targets < len(GROUPS):
        raise ValueError(f"a province needs at least {len(GROUPS)} targets, one per peer group")
    rng = random.Random(f"{seed}:tree")  # noqa: S311 - repeatable data, not a secret
    names = _NamePool(rng)
    quotas = _spread(targets, [share for share, _, _ in GROUPS.values()], minimum=1)
    quota = dict(zip(GROUPS, quotas, strict=True))
    n_cities = _clamp(round(targets / 215), 2, 14)
    n_counties = _clamp(round(targets / 24), n_cities, 12 * n_cities)
    province = PlannedUnit("", f"{names.place()}省", Level.PROVINCE, "government", None)
    units = [province]
    cities = _cities(rng, names, n_cities, n_counties)
    units += [city for city, _ in cities]
    counties = [county for _, county_list in cities for county in county_list]
    units += counties
    units += _departments(
        rng, [c for c, _ in cities], quota[GROUP_CITY], CITY_DEPARTMENTS, GROUP_CITY, Level.CITY
    )
    for group, pool in ((GROUP_ENFORCEMENT, COUNTY_ENFORCEMENT), (GROUP_SERVICE, COUNTY_SERVICE)):
        units += _departments(rng, counties, quota[group], pool, group, Level.COUNTY)
    units += _stations(rng, names, counties, quota[GROUP_STATION])
    return units


def _cities(rng, names, n_cities: int, n_counties: int) -> list[tuple[PlannedUnit, list]]:
    per_city = _spread(n_counties, [rng.uniform(0.6, 1.4) for _ in range(n_cities)], minimum=1)
    cities = []
    for i, count in enumerate(per_city, start=1):
        city = PlannedUnit(f"c{i:02d}", f"{names.place()}市", Level.CITY, "government", "")
        counties = [
            PlannedUnit(
                f"{city.key}-k{j:02d}",
                names.place() + rng.choice(COUNTY_SUFFIXES),
                Level.COUNTY,
                "government",
                city.key,
            )
            for j in range(1, count + 1)
        ]
        cities.append((city, counties))
    return cities


def _departments(rng, parents, total: int, pool, group: str, level: str) -> list[PlannedUnit]:
    """`total` departments spread over `parents`, named after them (白沙县公安局)."""
    per_parent = _spread(total, [rng.uniform(0.7, 1.3) for _ in parents])
    letter = "d" if group != GROUP_SERVICE else "f"  # two county groups, two code letters
    units = []
    for parent, count in zip(parents, per_parent, strict=True):
        for j in range(count):
            name = pool[j % len(pool)]
            if j >= len(pool):  # more departments than names: branch offices
                name = f"{name}第{j // len(pool) + 1}分局"
            units.append(
                PlannedUnit(
                    f"{parent.key}-{letter}{j + 1:02d}",
                    parent.name + name,
                    level,
                    "department",
                    parent.key,
                    group,
                )
            )
    return units


def _stations(rng, names, counties, total: int) -> list[PlannedUnit]:
    """Grassroots stations in the counties' towns (白沙县青石镇财政所)."""
    per_county = _spread(total, [rng.uniform(0.5, 1.5) for _ in counties])
    units = []
    for county, count in zip(counties, per_county, strict=True):
        towns = [names.place() + rng.choice(TOWN_SUFFIXES) for _ in range(max(1, count // 3))]
        for j in range(count):
            station = STATIONS[(j // len(towns)) % len(STATIONS)]
            units.append(
                PlannedUnit(
                    f"{county.key}-s{j + 1:02d}",
                    f"{county.name}{towns[j % len(towns)]}{station}",
                    Level.TOWNSHIP,
                    "station",
                    county.key,
                    GROUP_STATION,
                )
            )
    return units


class _NamePool:
    """Place names (青石, 白沙), none given twice in one province.

    About a thousand two-character names cover a province of 3,000 targets;
    a larger one goes on with three characters (青石桥).
    """

    def __init__(self, rng: random.Random):
        self._rng = rng
        self._names = iter(self._shuffled(FIRST_CHARS, SECOND_CHARS))

    def _shuffled(self, *alphabets: str) -> list[str]:
        names = ["".join(chars) for chars in itertools.product(*alphabets)]
        names = [name for name in names if len(set(name)) == len(name)]  # no 安安
        self._rng.shuffle(names)
        return names

    def place(self) -> str:
        name = next(self._names, None)
        if name is None:
            self._names = iter(self._shuffled(FIRST_CHARS, FIRST_CHARS, SECOND_CHARS))
            name = next(self._names)
        return name


def _spread(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """`total` split in proportion to `weights` (largest remainders), each part ≥ `minimum`."""
    free = total - minimum * len(weights)
    if free < 0:
        raise ValueError(f"cannot split {total} into {len(weights)} parts of {minimum}")
    exact = [free * w / sum(weights) for w in weights]
    parts = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: parts[i] - exact[i])
    for i in by_remainder[: free - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


# -- the campaign -------------------------------------------------------------


def province_scheme() -> dict:
    """The seeds' 70/30 preset, with the survey weighted by respondent category."""
    scheme = resolved_scheme({"preset": PRESET})
    scheme["label"] = f"{scheme['label']}；按调查对象类别加权（合成数据）"
    survey = next(c for c in scheme["components"] if c.get("source") == "survey")
    survey["categories"] = dict(CATEGORY_WEIGHTS)
    parse_scheme(scheme)  # refuses a preset this module no longer fits
    return scheme


def generate_province(
    *,
    seed: int = 1,
    targets: int = 3000,
    responses: int = 10_000_000,
    code: str | None = None,
    year: int | None = None,
    progress: Progress | None = None,
) -> Campaign:
    """Create a synthetic province campaign with its tree, responses and assessor scores.

    The code defaults to `province-<year>` (year: this year). An existing code
    is refused with ValueError: grow that campaign with `add_responses`.
    """
    year = year or timezone.localdate().year
    code = code or f"province-{year}"
    _check_new_code(code)
    _check_count(responses)
    plan = plan_province(seed, targets)
    with transaction.atomic():
        campaign = _create_campaign(code, year, plan, progress)
    _write_responses(campaign, responses, seed, progress)
    with transaction.atomic():
        scores = _create_assessor_scores(campaign, seed)
        _report(progress, "scores", scores, scores)
        record_event(
            "campaign.synthetic_generated",
            campaign,
            acting_user=OPERATOR,
            data={
                "seed": seed,
                "units": len(plan),
                "targets": targets,
                "groups": {g: sum(1 for u in plan if u.group == g) for g in GROUPS},
                "responses": responses,
                "assessor_scores": scores,
            },
        )
    return campaign


def _check_new_code(code: str) -> None:
    if len(code) > MAX_CODE_LENGTH or not re.fullmatch(CODE_PATTERN, code):
        raise ValueError(
            f"{code!r} is not a usable code: up to {MAX_CODE_LENGTH} lowercase letters, "
            "digits, - and _"
        )
    if Campaign.objects.filter(code=code).exists() or Unit.objects.filter(code=code).exists():
        raise ValueError(f"{code} exists already; grow it with add_responses")


def _check_count(count: int) -> None:
    if count < 0:
        raise ValueError(f"cannot add {count} responses")


def _create_campaign(code: str, year: int, plan: list[PlannedUnit], progress) -> Campaign:
    units = _create_units(code, plan)
    _report(progress, "units", len(units), len(plan))
    province = units[""]
    campaign = Campaign(
        code=code,
        name=f"{year}年{province.name}民主评议政风行风（合成数据）",
        year=year,
        organizer=province,
        scheme=province_scheme(),
        series="province-synthetic",
    )
    campaign.full_clean()
    campaign.save()
    Target.objects.bulk_create(
        Target(campaign=campaign, unit=units[u.key], group=u.group) for u in plan if u.group
    )
    Phase.objects.bulk_create(
        Phase(campaign=campaign, kind=k, name=n, start=date(year, *s), end=date(year, *e))
        for k, n, s, e in SEED_PHASES
    )
    return campaign


def _create_units(prefix: str, plan: list[PlannedUnit]) -> dict[str, Unit]:
    """Bulk-created, one depth at a time so each level knows its parents' ids
    (both SQLite and PostgreSQL return them from a bulk insert)."""
    created: dict[str, Unit] = {}
    by_depth = defaultdict(list)
    for item in plan:
        by_depth[item.key.count("-") + (1 if item.key else 0)].append(item)
    for depth in sorted(by_depth):
        batch = [_unit(prefix, item, created.get(item.parent)) for item in by_depth[depth]]
        Unit.objects.bulk_create(batch, batch_size=2000)
        created.update({_key(prefix, u.code): u for u in batch})
    return created


def _unit(prefix: str, item: PlannedUnit, parent: Unit | None) -> Unit:
    code = f"{prefix}-{item.key}" if item.key else prefix
    path = Unit.path_for(parent, code)
    return Unit(
        code=code,
        name=item.name,
        level=item.level,
        kind=item.kind,
        parent=parent,
        path=path,
        depth=path.count("/") - 2,
    )


def _key(prefix: str, code: str) -> str:
    """The unit's place in the tree, the same whatever the campaign code."""
    return code.removeprefix(prefix).removeprefix("-")


# -- target character ---------------------------------------------------------


@dataclass(frozen=True)
class Character:
    """How a target is liked (0 worst … 1 best) and how many answer about it."""

    quality: float
    volume: float


def character(seed: int, key: str, group: str) -> Character:
    """From the seed and the target's place alone, so every call finds the same."""
    rng = random.Random(f"{seed}:target:{key}")  # noqa: S311 - repeatable data
    _share, offset, volume = GROUPS.get(group, (0, 0.0, 1.0))
    if rng.random() < TROUBLED_SHARE:
        quality = rng.uniform(0.0, 0.15)
    else:
        quality = min(1.0, max(0.0, rng.betavariate(4, 1.5) + offset))
    return Character(quality, volume * rng.lognormvariate(0, 0.5))


def mood(quality: float) -> list[float]:
    """Shares of the five tiers for a target of this quality (as seen by one category)."""
    q = min(1.0, max(0.0, quality)) * (len(MOODS) - 1)
    low = min(int(q), len(MOODS) - 2)
    share = q - low
    return [a + (b - a) * share for a, b in zip(MOODS[low], MOODS[low + 1], strict=True)]


# -- responses ----------------------------------------------------------------


def add_responses(
    campaign: Campaign, count: int, *, seed: int, progress: Progress | None = None
) -> int:
    """Grow a synthetic campaign by `count` responses; returns how many it now holds.

    The rows follow from the seed and the number already there, so the same
    calls in the same order give the same rows; the counters are kept exact.
    """
    _check_count(count)
    total = _write_responses(campaign, count, seed, progress)
    with transaction.atomic():
        record_event(
            "campaign.synthetic_responses_added",
            campaign,
            acting_user=OPERATOR,
            data={"seed": seed, "added": count, "responses": total},
        )
    return total


@dataclass
class _Parts:
    """Pieces of rows, joined per row: a head per (target, category, tier, text?),
    a middle per (day, channel) and a tail per free text.

    The same code builds COPY text lines (str pieces) and executemany rows
    (tuple pieces): `+` joins both.
    """

    heads: list
    kinds: list[int]  # per head: 0 no text, 1 a mild remark, 2 a complaint
    keys: list[tuple[int, str, str]]  # per head: the counter row it adds to
    head_weights: list[float]
    middles: list
    middle_weights: list[float]
    no_text: object
    texts: tuple[list, list, list]  # by kind


def _write_responses(campaign: Campaign, count: int, seed: int, progress) -> int:
    """Write `count` rows in transactions of TRANSACTION_ROWS; returns the campaign's total."""
    existing = Response.objects.filter(campaign=campaign).count()
    rng = random.Random(f"{seed}:responses:{existing}")  # noqa: S311 - repeatable data
    postgres = connection.vendor == "postgresql"
    parts = _parts(campaign, seed, as_text=postgres)
    head_cum = list(itertools.accumulate(parts.head_weights))
    middle_cum = list(itertools.accumulate(parts.middle_weights))
    done = 0
    _report(progress, "responses", 0, count)
    with _sqlite_cache():
        while done < count:
            size = min(TRANSACTION_ROWS, count - done)
            chunks = _chunks(rng, parts, head_cum, middle_cum, size)
            report = partial(_report_rows, progress, done, count)
            with transaction.atomic():
                if postgres:
                    with _foreign_keys_checked_once(campaign, parts):
                        counted = _copy_rows(chunks, report)
                else:
                    counted = _insert_rows(chunks, report)
                _add_to_counters(campaign, parts, counted)
            done += size
    return existing + count


@contextmanager
def _foreign_keys_checked_once(campaign: Campaign, parts: _Parts):
    """Spare PostgreSQL its five foreign-key triggers per row, keeping what they guarantee.

    Each row would queue one trigger per foreign key (three of them on NULL
    columns), each taking FOR KEY SHARE on the referenced row; they halved
    the rows per second in our measurements. Taking those locks once, on the
    campaign and every target the rows name, guarantees the same thing: none
    of them can go away or change its id before this transaction ends.

    Triggers are skipped with `SET LOCAL session_replication_role`, set back
    right after the COPY; if the COPY fails, the rollback of the enclosing
    atomic block undoes the SET. A role that may not set it (it needs a
    superuser or a grant) keeps the triggers, as does a session where it is
    not at its default.
    """
    with connection.cursor() as cursor:
        cursor.execute(LOCK_CAMPAIGN, [campaign.pk])
        found = cursor.fetchone() is not None
        cursor.execute(LOCK_TARGETS, [campaign.pk])
        locked = {row[0] for row in cursor.fetchall()}
        if not found or not {target for target, _c, _t in parts.keys} <= locked:
            raise ValueError(f"{campaign.code}: targets changed while responses were being written")
        cursor.execute("SELECT current_setting('session_replication_role')")
        skipped = cursor.fetchone()[0] == "origin" and _set_replication_role(cursor, "replica")
    yield
    if skipped:
        with connection.cursor() as cursor:
            _set_replication_role(cursor, "origin")


def _set_replication_role(cursor, role: str) -> bool:
    try:
        with transaction.atomic():  # a refused SET rolls back to here, not the whole load
            cursor.execute(f"SET LOCAL session_replication_role = {role}")
    except DatabaseError:
        return False
    return True


def _chunks(rng, parts: _Parts, head_cum, middle_cum, size: int):
    """Yield (rows, head indexes) for `size` rows, CHUNK_ROWS at a time."""
    head_range = range(len(parts.heads))
    for start in range(0, size, CHUNK_ROWS):
        n = min(CHUNK_ROWS, size - start)
        drawn = rng.choices(head_range, cum_weights=head_cum, k=n)
        middles = rng.choices(parts.middles, cum_weights=middle_cum, k=n)
        heads, kinds, texts, no_text = parts.heads, parts.kinds, parts.texts, parts.no_text
        choice = rng.choice
        rows = [
            heads[h] + middle + (choice(texts[kinds[h]]) if kinds[h] else no_text)
            for h, middle in zip(drawn, middles, strict=True)
        ]
        yield rows, drawn


def _copy_rows(chunks, report) -> Counter:
    """PostgreSQL: one COPY of pre-formatted text lines; returns the head counts."""
    counted, written = Counter(), 0
    with connection.cursor() as cursor:
        sql = f"COPY {RESPONSE_TABLE} ({RESPONSE_COLUMNS}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for rows, drawn in chunks:
                copy.write("".join(rows))
                counted.update(drawn)
                written += len(rows)
                report(written)
    return counted


def _insert_rows(chunks, report) -> Counter:
    """SQLite (or another backend): executemany of plain tuples; returns the head counts."""
    counted, written = Counter(), 0
    placeholders = ", ".join(["%s"] * len(RESPONSE_COLUMNS.split(",")))
    sql = f"INSERT INTO {RESPONSE_TABLE} ({RESPONSE_COLUMNS}) VALUES ({placeholders})"  # noqa: S608 - our own table and columns
    with connection.cursor() as cursor:
        for rows, drawn in chunks:
            cursor.executemany(sql, rows)
            counted.update(drawn)
            written += len(rows)
            report(written)
    return counted


def _add_to_counters(campaign: Campaign, parts: _Parts, counted: Counter) -> None:
    """Exactly what was written, in the same transaction as the rows."""
    totals = Counter()
    for head, n in counted.items():
        totals[parts.keys[head]] += n
    rows = [(campaign.pk, t, c, tier, n) for (t, c, tier), n in sorted(totals.items())]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement for tens of thousands of counter rows, not one round trip each.
            cursor.execute(COUNT_ARRAYS, [list(column) for column in zip(*rows, strict=True)])
        else:
            cursor.executemany(COUNT_ROWS, rows)


@contextmanager
def _sqlite_cache():
    """A larger page cache on SQLite while writing, then the previous size again."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        previous = int(cursor.execute("PRAGMA cache_size").fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")


class _TextFormat:
    """COPY text: fields joined by tabs, a line ending after the last column."""

    @staticmethod
    def fields(*values) -> str:
        return _copy_text(values) + "\t"

    @staticmethod
    def tail(*values) -> str:
        return _copy_text(values) + "\n"

    @staticmethod
    def stamp(at: datetime) -> str:
        return at.isoformat()


class _TupleFormat:
    """executemany rows: tuples, with the datetime as the backend stores it."""

    @staticmethod
    def fields(*values) -> tuple:
        return values

    tail = fields

    @staticmethod
    def stamp(at: datetime):
        return connection.ops.adapt_datetimefield_value(at)


def _copy_text(values) -> str:
    texts = [str(v) for v in values]
    # Our own fixed texts: none needs COPY's escapes, and this keeps it so.
    if any(c in text for text in texts for c in "\t\n\r\\"):
        raise ValueError(f"text needing COPY escapes: {texts!r}")
    return "\t".join(texts)


def _parts(campaign: Campaign, seed: int, *, as_text: bool) -> _Parts:
    scheme = parse_scheme(resolved_scheme(campaign.scheme))
    tiers = scheme.tier_labels()
    if len(tiers) != len(MOODS[0]):
        raise ValueError(f"{campaign.code}: a synthetic campaign needs a five-tier scheme")
    categories = scheme.category_labels() or [""]
    fmt = _TextFormat if as_text else _TupleFormat
    parts = _Parts([], [], [], [], [], [], fmt.tail("", "", "", ""), _texts(fmt))
    _add_heads(parts, campaign, seed, tiers, categories, fmt)
    _add_middles(parts, campaign, fmt)
    return parts


def _add_heads(parts: _Parts, campaign, seed: int, tiers, categories, fmt) -> None:
    prefix = campaign.organizer.code
    targets = sorted(
        campaign.targets.select_related("unit").filter(exempt=False),
        key=lambda t: _key(prefix, t.unit.code),
    )
    shares = [CATEGORY_SHARES.get(c, 1) for c in categories]
    for target in targets:
        who = character(seed, _key(prefix, target.unit.code), target.group)
        for category, share in zip(categories, shares, strict=True):
            tier_shares = mood(who.quality + CATEGORY_BIAS.get(category, 0.0))
            for tier, tier_share, chance in zip(tiers, tier_shares, TEXT_CHANCE, strict=True):
                head = fmt.fields(campaign.pk, target.pk, category, tier)
                weight = who.volume * share * tier_share
                kind = 2 if tier in CRITICAL_TIERS else 1
                for text_kind, p in ((0, 1 - chance), (kind, chance)):
                    parts.heads.append(head)
                    parts.kinds.append(text_kind)
                    parts.keys.append((target.pk, category, tier))
                    parts.head_weights.append(weight * p)


def _add_middles(parts: _Parts, campaign, fmt) -> None:
    evaluate = campaign.phases.get(kind=PhaseKind.EVALUATE)
    zone = timezone.get_default_timezone()
    for offset in range(evaluate.days()):
        day = evaluate.start + timedelta(days=offset)
        # Answers are kept to the day (midnight, Asia/Shanghai), as the survey stores them.
        stamp = fmt.stamp(datetime.combine(day, time(), tzinfo=zone))
        day_weight = WEEKEND_WEIGHT if day.weekday() >= 5 else 1.0
        for channel, origin, share in CHANNELS:
            parts.middles.append(fmt.fields(stamp, channel.value, origin))
            parts.middle_weights.append(day_weight * share)


def _texts(fmt) -> tuple[list, list, list]:
    """Free-text tails by kind: none, mild remarks (suggestions, praise), complaints."""
    # The satisfied mostly suggest or praise; some mention a problem beside a suggestion.
    mild = [("", s) for s in SUGGESTIONS] + list(zip(PROBLEMS[::2], SUGGESTIONS, strict=False))
    critical = [(o + p, "") for o in OPENERS for p in PROBLEMS] + [
        (p, s) for p in PROBLEMS for s in SUGGESTIONS[:6]
    ]
    return (
        [],
        [fmt.tail(p, s, text_digest(p, s), "") for p, s in mild],
        [fmt.tail(p, s, text_digest(p, s), "") for p, s in critical],
    )


# -- assessor scores ----------------------------------------------------------


def _create_assessor_scores(campaign: Campaign, seed: int) -> int:
    """1–3 assessors per target and assessor component, 60–100, following the target's quality."""
    scheme = parse_scheme(resolved_scheme(campaign.scheme))
    rng = random.Random(f"{seed}:scores")  # noqa: S311 - repeatable data
    prefix = campaign.organizer.code
    evaluate = campaign.phases.get(kind=PhaseKind.EVALUATE)
    at = datetime.combine(evaluate.end, time(17), tzinfo=timezone.get_default_timezone())
    targets = sorted(
        campaign.targets.select_related("unit"), key=lambda t: _key(prefix, t.unit.code)
    )
    scores = []
    for target in targets:
        who = character(seed, _key(prefix, target.unit.code), target.group)
        for leaf in scheme.assessor_leaves():
            for assessor in ASSESSORS[: rng.randint(1, 3)]:
                raw = _clamp_score(rng.gauss(62 + 34 * who.quality, 3))
                scores.append(
                    AssessorScore(
                        campaign=campaign,
                        target=target,
                        component=leaf.key,
                        score=raw,
                        assessor=assessor,
                        recorded_at=at,
                    )
                )
    AssessorScore.objects.bulk_create(scores, batch_size=5000)
    return len(scores)


def _clamp_score(x: float) -> Decimal:
    return Decimal(f"{min(100.0, max(60.0, x)):.1f}")


def _report_rows(progress: Progress | None, before: int, total: int, written: int) -> None:
    _report(progress, "responses", before + written, total)


def _report(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)
