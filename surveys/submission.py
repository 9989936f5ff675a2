"""Accepting answers: by one-time token, through an open link, or from reconciled paper.

Every answer becomes a Response through `store_response`, which gives it a
random receipt, coarsens its time, freezes the questionnaire it answered and
raises fraud flags. A token is accepted once: `used` is filled by a
conditional UPDATE, which locks the invitation row until the answer is
stored, so of any number of concurrent submissions exactly one passes.
Nothing written links the response to the invitation (ADR 0007).
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.expressions import Col
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Target
from orgs.models import Unit
from scoring.engine import Scheme
from scoring.schemes import SchemeError, parse_scheme
from surveys import counters, throttle
from surveys.answers import Answers, Form, clean_answers, form_for
from surveys.models import (
    Channel,
    Invitation,
    InvitationBatch,
    OpenLink,
    Questionnaire,
    Response,
    TimeGranularity,
)
from surveys.questionnaires import current_questionnaire, scheme_of
from surveys.signals import device_hash, raise_flags, text_digest
from surveys.tokens import SLUG_RE, is_well_formed, new_receipt, token_hash


class Refusal(Exception):
    """Why a token or link cannot be answered now; `code` for the API, str() for people."""

    UNKNOWN = "unknown"
    USED = "used"
    NOT_OPEN = "not_open"
    CLOSED = "closed"
    THROTTLED = "throttled"
    NO_QUESTIONNAIRE = "no_questionnaire"

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Client:
    """Where an answer came from, used only for the throttle and the device hash."""

    ip: str = ""
    user_agent: str = ""

    @classmethod
    def of(cls, request) -> "Client":
        """REMOTE_ADDR, or the header a trusted reverse proxy sets (PINGYI_CLIENT_IP_HEADER).

        Without a proxy a forwarded-for header is the client's to invent, so
        it is read only when the deployment names it; behind a proxy that is
        not named, every respondent shares the proxy's address.
        """
        meta = request.META
        header = settings.PINGYI_CLIENT_IP_HEADER
        forwarded = meta.get(header, "") if header else ""
        # The proxy appends the address it saw last: take the right-most entry.
        ip = forwarded.split(",")[-1].strip() if forwarded else meta.get("REMOTE_ADDR", "")
        return cls(ip=ip, user_agent=meta.get("HTTP_USER_AGENT", "")[:500])


@dataclass(frozen=True)
class Submitted:
    receipt: str
    created: bool  # False: a replay of an answer already stored
    response: Response


@dataclass(frozen=True)
class Opened:
    """What the answer page needs: the questionnaire, its target and the fixed category."""

    form: Form
    target: Target
    invitation: Invitation | None = None
    open_link: OpenLink | None = None

    @property
    def campaign(self) -> Campaign:
        return self.target.campaign


def open_invitation(token: str, client: Client) -> Opened:
    """The invitation for a token, or Refusal; a wrong token counts against the client's network.

    An address that guessed too often is refused everything; its network is
    refused wrong codes only, so one guesser cannot shut out a whole office
    or mobile network (see surveys/throttle.py).
    """
    found = _look_up(token, client.ip)
    if found is None:
        if throttle.address_blocked(client.ip) or throttle.network_blocked(client.ip):
            raise throttled()
        throttle.record_failure(client.ip)
        raise Refusal(
            Refusal.UNKNOWN,
            _("This code is not known. Please check the link or the code on your card."),
        )
    if found.address_blocked:
        raise throttled()
    if found.questionnaire is None:
        raise Refusal(Refusal.NO_QUESTIONNAIRE, _("This survey is not ready yet."))
    invitation = found.invitation
    target, category = invitation.batch.target, invitation.batch.category
    scheme = campaign_scheme(target.campaign)
    form = form_for(found.questionnaire, fixed_category=category, scheme=scheme)
    return Opened(form, target, invitation=invitation)


@dataclass(frozen=True)
class _Found:
    invitation: Invitation  # with its batch, the batch's target, its unit and campaign
    questionnaire: Questionnaire | None  # the campaign's current version
    address_blocked: bool


def _look_up(token: str, ip: str) -> _Found | None:
    """Everything an answering request needs about a token, in one query: the invitation
    with its batch, target, unit and campaign, the campaign's current questionnaire, and
    whether the client's address is refused.

    Written in SQL once per process (`_lookup_sql`) and turned into model instances with
    each field's own conversions: the ORM spent about 2 ms of CPU building the three
    queries this replaces, on every request, several times what the database needs to
    answer this one.
    """
    if not is_well_formed(token):  # never send a malformed value (NUL …) to the database
        return None
    blocked_sql, blocked_params = throttle.address_over_limit_sql(ip)
    with connection.cursor() as cursor:
        cursor.execute(_lookup_sql(blocked_sql), [*blocked_params, token_hash(token)])
        row = cursor.fetchone()
    if row is None:
        return None
    invitation, batch, target, unit, campaign, questionnaire = (
        model.from_db(connection.alias, names, [convert(row[i]) for i, convert in columns])
        for model, names, columns in _selected(connection.ops)
    )
    target.unit, target.campaign = unit, campaign
    batch.target, batch.campaign = target, campaign
    invitation.batch = batch
    if questionnaire.pk is None:  # the campaign has none yet (LEFT JOIN)
        questionnaire = None
    else:
        questionnaire.campaign = campaign
    return _Found(invitation, questionnaire, bool(row[-1]))


# What the lookup loads, in this order: every concrete field of each.
LOOKED_UP = (
    (Invitation, "i"),
    (InvitationBatch, "b"),
    (Target, "t"),
    (Unit, "u"),
    (Campaign, "c"),
    (Questionnaire, "q"),
)


@lru_cache(maxsize=32)
def _selected(ops) -> list[tuple[type, list[str], list[tuple[int, object]]]]:
    """Per model: its field names and, per column, its position in the row and a function
    applying the conversions the ORM would (dates on SQLite, JSON, booleans …); for each
    thread's connection (`ops`, its DatabaseOperations), as the ORM's compiler asks it."""
    selected, position = [], 0
    for model, alias in LOOKED_UP:
        names, columns = [], []
        for field in model._meta.concrete_fields:
            col = Col(alias, field)
            converters = ops.get_db_converters(col) + col.get_db_converters(ops.connection)
            names.append(field.attname)
            columns.append((position, partial(_convert, converters=converters, col=col)))
            position += 1
        selected.append((model, names, columns))
    return selected


def _convert(value, *, converters, col):
    for converter in converters:
        value = converter(value, col, connection)
    return value


@lru_cache(maxsize=4)
def _lookup_sql(blocked_sql: str) -> str:
    quote = connection.ops.quote_name

    def table(model, alias: str) -> str:
        return f"{quote(model._meta.db_table)} {alias}"

    def column(alias: str, model, name: str = "pk") -> str:
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        return f"{alias}.{quote(field.column)}"

    selected = ", ".join(
        f"{alias}.{quote(field.column)}"
        for model, alias in LOOKED_UP
        for field in model._meta.concrete_fields
    )
    current = (  # the campaign's newest questionnaire version
        f"SELECT {column('v', Questionnaire)} FROM {table(Questionnaire, 'v')} "  # noqa: S608 - our own table
        f"WHERE {column('v', Questionnaire, 'campaign')} = {column('c', Campaign)} "
        f"ORDER BY {column('v', Questionnaire, 'version')} DESC LIMIT 1"
    )
    return (
        f"SELECT {selected}, {blocked_sql} FROM {table(Invitation, 'i')} "  # noqa: S608 - our own tables; values are bound
        f"JOIN {table(InvitationBatch, 'b')} "
        f"ON {column('b', InvitationBatch)} = {column('i', Invitation, 'batch')} "
        f"JOIN {table(Target, 't')} ON {column('t', Target)} = {column('b', InvitationBatch, 'target')} "
        f"JOIN {table(Unit, 'u')} ON {column('u', Unit)} = {column('t', Target, 'unit')} "
        f"JOIN {table(Campaign, 'c')} ON {column('c', Campaign)} = {column('t', Target, 'campaign')} "
        f"LEFT JOIN {table(Questionnaire, 'q')} ON {column('q', Questionnaire)} = ({current}) "
        f"WHERE {column('i', Invitation, 'token_hash')} = %s"
    )


def throttled() -> Refusal:
    return Refusal(
        Refusal.THROTTLED,
        _("Too many wrong codes from your network. Please try again in an hour."),
    )


def open_link(slug: str) -> Opened:
    slug = (slug or "").lower()
    link = None
    if SLUG_RE.match(slug):  # never send a malformed value (NUL …) to the database
        link = (
            OpenLink.objects.select_related("target__unit", "target__campaign")
            .filter(slug=slug)
            .first()
        )
    if link is None:
        raise Refusal(Refusal.UNKNOWN, _("This survey link is not known."))
    if link.closed_at is not None:
        raise Refusal(Refusal.CLOSED, _("This survey link has been closed."))
    return Opened(_form(link.target.campaign, link.category), link.target, open_link=link)


def _form(campaign: Campaign, category: str) -> Form:
    questionnaire = current_questionnaire(campaign)
    if questionnaire is None:
        raise Refusal(Refusal.NO_QUESTIONNAIRE, _("This survey is not ready yet."))
    return form_for(questionnaire, fixed_category=category, scheme=campaign_scheme(campaign))


def campaign_scheme(campaign: Campaign) -> Scheme:
    """The campaign's scheme, parsed once per worker for each stored text of it.

    Parsing reads and validates a preset's YAML, which cost more than all of an
    answer's queries together; keyed by the scheme's content, a changed scheme is
    parsed afresh. A scheme that does not parse raises as `scheme_of` does.
    """
    try:
        return _parsed_scheme(json.dumps(campaign.scheme, sort_keys=True))
    except SchemeError:
        return scheme_of(campaign)


@lru_cache(maxsize=32)
def _parsed_scheme(text: str) -> Scheme:
    return parse_scheme(json.loads(text))


def check_open(questionnaire: Questionnaire, today=None) -> None:
    today = today or timezone.localdate()
    if today < questionnaire.opens_on:
        raise Refusal(
            Refusal.NOT_OPEN,
            _("This survey opens on %(day)s. Please come back then.")
            % {"day": questionnaire.opens_on.isoformat()},
        )
    if today > questionnaire.closes_on:
        raise Refusal(
            Refusal.CLOSED,
            _("This survey closed on %(day)s. Thank you for your interest.")
            % {"day": questionnaire.closes_on.isoformat()},
        )


def used_refusal() -> Refusal:
    return Refusal(
        Refusal.USED,
        _("This invitation has already been used. Each invitation can be answered once."),
    )


def key_hash(submission_key: str) -> str | None:
    """The stored form of the random key an answer form carries; None without one."""
    key = (submission_key or "").strip()
    if not 16 <= len(key) <= 100:
        return None
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def _replayed(key: str | None) -> Submitted | None:
    if key is None:
        return None
    response = Response.objects.filter(submission_key=key).first()
    return None if response is None else Submitted(response.receipt, False, response)


def key_reused() -> ValidationError:
    return ValidationError(
        {
            "submission_key": _(
                "This form was already sent with another code. Please open your own link again."
            )
        }
    )


def _locked_form(opened: Opened) -> Form:
    """The questionnaire as it stands when the answer is stored.

    A frozen version never changes again (an edit writes the next version and
    leaves it alone), so the form read when the token was opened is final and
    answers to it take no lock: they do not queue behind one another. A version
    not yet frozen is locked and read again, so an edit cannot slip in between
    checking the answers and storing them (an editor locks the same row), and
    the first answer freezes it under that lock.
    """
    if opened.form.questionnaire.is_frozen:
        check_open(opened.form.questionnaire)
        return opened.form
    questionnaire = Questionnaire.objects.select_for_update().get(pk=opened.form.questionnaire.pk)
    check_open(questionnaire)
    scheme = campaign_scheme(opened.campaign)
    return form_for(questionnaire, fixed_category=opened.form.fixed_category, scheme=scheme)


def do_submit_by_token(
    token: str,
    data,
    *,
    client: Client,
    submission_key: str = "",
    started_at: datetime | None = None,
    timed: bool = False,
    opened: Opened | None = None,
) -> Submitted:
    """Store the answers for a one-time token, once; ValidationError or Refusal store nothing.

    `timed`: the answer came from our page, which carries its signed start
    time; without a valid one (`started_at` None) the answer is flagged.
    `opened`: what `open_invitation(token, client)` just returned, when the
    caller has it, so the token is not looked up twice.
    """
    key = key_hash(submission_key)
    # Outside the transaction: a wrong token's count must survive the refusal.
    opened = opened or open_invitation(token, client)
    try:
        with transaction.atomic():
            # The conditional UPDATE is the guard and the lock: of concurrent submissions
            # one fills `used`, the others wait on its row until it commits and then find
            # it filled (or, if it rolled back, the next one fills it).
            if not Invitation.objects.filter(pk=opened.invitation.pk).fill_in(used=True):
                replay = _replayed(key)
                if replay is None:
                    raise used_refusal()
                return replay
            form = _locked_form(opened)
            answers = clean_answers(form, data)
            response = store_response(
                form,
                opened.target,
                answers,
                channel=Channel.WEB,
                origin="invitation",
                submission_key=key,
                elapsed=_elapsed(started_at, timed),
            )
    except IntegrityError as exc:
        # The form key is stored already, with another code (maybe at this same moment):
        # never that answer's receipt, and the UPDATE above is rolled back with the rest.
        raise key_reused() from exc
    return Submitted(response.receipt, True, response)


def do_submit_open_link(
    slug: str,
    data,
    *,
    client: Client,
    submission_key: str = "",
    started_at: datetime | None = None,
    timed: bool = False,
) -> Submitted:
    """Store answers given through an open link; fraud signals flag what looks wrong."""
    key = key_hash(submission_key)
    opened = open_link(slug)
    check_open(opened.form.questionnaire)
    clean_answers(opened.form, data)  # refuse bad answers before taking any lock
    try:
        with transaction.atomic():
            replay = _replayed(key)
            if replay is not None:
                return replay
            form = _locked_form(opened)
            response = store_response(
                form,
                opened.target,
                clean_answers(form, data),
                channel=Channel.WEB,
                origin="open_link",
                open_link=opened.open_link,
                submission_key=key,
                device=device_hash(opened.campaign.code, client.ip, client.user_agent),
                elapsed=_elapsed(started_at, timed),
            )
    except IntegrityError:
        # A double click: both passed the replay check, the other stored the key first.
        replay = _replayed(key)
        if replay is None:
            raise
        return replay
    return Submitted(response.receipt, True, response)


def _elapsed(started_at: datetime | None, timed: bool) -> int | None:
    """Seconds from page to submit; -1 when our page sent no valid start time."""
    if started_at is None:
        return -1 if timed else None
    return max(0, int((timezone.now() - started_at).total_seconds()))


def coarse_now(granularity: str) -> datetime:
    now = timezone.localtime()
    now = now.replace(minute=0, second=0, microsecond=0)
    return now if granularity == TimeGranularity.HOUR else now.replace(hour=0)


def store_response(
    form: Form,
    target: Target,
    answers: Answers,
    *,
    channel: str,
    origin: str = "",
    open_link: OpenLink | None = None,
    submission_key: str | None = None,
    device: str = "",
    elapsed: int | None = None,
) -> Response:
    """Write one response in the caller's transaction, freeze its questionnaire, raise flags.

    `elapsed` (seconds from page to submit, -1 unknown) feeds the speeder
    signal and is not stored.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("store_response must run inside transaction.atomic()")
    questionnaire = form.questionnaire
    if target.campaign_id != questionnaire.campaign_id:
        raise ValidationError(_("The target is not part of this questionnaire's campaign."))
    response = Response.objects.create(
        campaign_id=questionnaire.campaign_id,
        target=target,
        channel=channel,
        origin=origin,
        category=answers.category,
        tier=answers.tier,
        score=answers.score,
        items=answers.items or None,
        problems=answers.problems,
        suggestions=answers.suggestions,
        submitted_at=coarse_now(questionnaire.time_granularity),
        questionnaire=questionnaire,
        open_link=open_link,
        receipt=new_receipt(),
        submission_key=submission_key,
        device_hash=device,
        text_digest=text_digest(answers.problems, answers.suggestions),
    )
    counters.count_response(response)
    if questionnaire.frozen_at is None:
        # The coarse time: the moment of the first answer would single it out.
        Questionnaire.objects.filter(pk=questionnaire.pk, frozen_at__isnull=True).update(
            frozen_at=response.submitted_at
        )
    if channel == Channel.WEB:
        raise_flags(
            response,
            questionnaire,
            items_max={i.key: i.max for i in form.items},
            elapsed=elapsed,
        )
    return response
