"""Paper forms (纸质问卷): numbered batches, double entry by two people, resolution by a third.

Each paper form is keyed independently by two different people. Equal
keyings reconcile at once; differing ones wait for a third person, who reads
the paper and enters the resolution. Only then does the form become a
Response (channel paper) and count in the tally. Keyings and resolutions are
append-only rows; the form row is locked while it is keyed, so two people
keying at the same moment cannot both be "second".
"""

from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.record import record_event
from campaigns.access import CampaignAccess, get_campaign_for_user
from campaigns.models import Campaign, Target
from orgs.models import Role
from surveys.answers import ITEM_PREFIX, Answers, clean_answers, form_for, plain_text
from surveys.invitations import check_category, check_organizer
from surveys.models import (
    Channel,
    PaperBatch,
    PaperEntry,
    PaperForm,
    PaperResolution,
    Questionnaire,
    Response,
)
from surveys.questionnaires import current_questionnaire, items_of
from surveys.submission import store_response

MAX_PAPER_BATCH = 5000
KEYER_ROLES = (Role.ORGANIZER, Role.TALLIER)


class FormStatus(models.TextChoices):
    AWAITING_FIRST = "awaiting_first", gettext_lazy("Awaiting first entry")
    AWAITING_SECOND = "awaiting_second", gettext_lazy("Awaiting second entry")
    MISMATCH = "mismatch", gettext_lazy("Entries differ")
    RECONCILED = "reconciled", gettext_lazy("Reconciled")


@dataclass(frozen=True)
class Keyed:
    """The outcome of one keying: the entry, the form's status after it, its response if any."""

    entry: PaperEntry
    status: str
    response: Response | None = None


# -- who may key --------------------------------------------------------------------------------


def may_key(access: CampaignAccess) -> bool:
    """Staff of the organizing level who run or count the survey key the paper forms."""
    return access.has(*KEYER_ROLES)


def check_keyer(campaign: Campaign, acting_user) -> None:
    # Double entry means two named people: the console operator (no user row) cannot key.
    if getattr(acting_user, "pk", None) is None:
        raise PermissionDenied(_("Paper forms are keyed by named users only."))
    if not may_key(CampaignAccess(acting_user, campaign)):
        raise PermissionDenied(
            _("Only an organizer or tallier of the campaign may key paper forms.")
        )


def get_paper_access(user, code: str) -> CampaignAccess:
    access = get_campaign_for_user(user, code)
    if not may_key(access):
        raise PermissionDenied(
            _("Only an organizer or tallier of the campaign may open the paper forms.")
        )
    return access


def get_paper_batch(access: CampaignAccess, number: int) -> PaperBatch:
    batch = (
        access.campaign.paper_batches.select_related("target__unit", "questionnaire")
        .filter(number=number)
        .first()
    )
    if batch is None:
        raise Http404(_("No paper batch P%(number)s.") % {"number": number})
    return batch


def get_paper_form(access: CampaignAccess, number: int, serial: int) -> PaperForm:
    batch = get_paper_batch(access, number)
    form = batch.forms.filter(serial=serial).first()
    if form is None:
        raise Http404(
            _("Batch P%(number)s has no form %(serial)s.") % {"number": number, "serial": serial}
        )
    form.batch = batch
    return form


# -- actions ------------------------------------------------------------------------------------


def do_create_paper_batch(
    campaign: Campaign,
    target: Target,
    *,
    size: int,
    category: str = "",
    label: str = "",
    acting_user,
) -> PaperBatch:
    """A batch of `size` numbered paper forms about one target, printed from the current
    questionnaire; the questionnaire is frozen, as the paper cannot change any more."""
    check_organizer(campaign, acting_user)
    if target.campaign_id != campaign.pk:
        raise ValidationError({"target": _("The target is not part of this campaign.")})
    if not isinstance(size, int) or not 1 <= size <= MAX_PAPER_BATCH:
        raise ValidationError(
            {"size": _("A paper batch holds from 1 to %(max)s forms.") % {"max": MAX_PAPER_BATCH}}
        )
    category = check_category(campaign, category)
    label = plain_text(label)
    if len(label) > 200:
        raise ValidationError({"label": _("This text is too long.")})
    with transaction.atomic():
        # FOR NO KEY UPDATE: an answer's insert (a foreign-key check, FOR KEY SHARE) must not
        # wait on it while holding the questionnaire row this action may need: a deadlock.
        Campaign.objects.select_for_update(no_key=True).filter(pk=campaign.pk).first()
        questionnaire = current_questionnaire(campaign)
        if questionnaire is None:
            raise ValidationError(
                _("Write the questionnaire first: paper forms are printed from it.")
            )
        number = (campaign.paper_batches.aggregate(n=Max("number"))["n"] or 0) + 1
        now = timezone.now()
        batch = PaperBatch.objects.create(
            campaign=campaign,
            number=number,
            target=target,
            category=category,
            questionnaire=questionnaire,
            label=label,
            size=size,
            created_by=_user_row(acting_user),
            created_at=now,
        )
        PaperForm.objects.bulk_create(
            (PaperForm(batch=batch, serial=serial) for serial in range(1, size + 1)),
            batch_size=2000,
        )
        Questionnaire.objects.filter(pk=questionnaire.pk, frozen_at__isnull=True).update(
            frozen_at=now
        )
        record_event(
            "surveys.paper_batch_created",
            batch,
            acting_user=acting_user,
            data={
                "campaign": campaign.code,
                "number": number,
                "target": target.unit.code,
                "category": category,
                "questionnaire_version": questionnaire.version,
                "size": size,
            },
        )
    return batch


def do_enter_paper_form(form: PaperForm, data, *, acting_user) -> Keyed:
    """One person's keying of one paper form; the second equal keying reconciles it.

    Raises PermissionDenied for someone who may not key, ValidationError
    ({field: [message]}) for bad answers, and ValidationError (no field) when
    the form cannot take this keying: already keyed by this person, keyed
    twice already, or reconciled.
    """
    batch = form.batch
    check_keyer(batch.campaign, acting_user)
    with transaction.atomic():
        locked = PaperForm.objects.select_for_update().get(pk=form.pk)
        if locked.response_id is not None:
            raise ValidationError(_("This form is reconciled already; it takes no more entries."))
        entries = list(locked.entries.all())
        if any(e.entered_by_id == acting_user.pk for e in entries):
            raise ValidationError(
                _("You have keyed this form already; a different person must key it again.")
            )
        if len(entries) >= 2:
            raise ValidationError(
                _("This form has been keyed twice already; its differences await resolution.")
            )
        form_spec = _form_spec(batch)
        answers = _canonical(clean_answers(form_spec, data))
        entry = PaperEntry.objects.create(
            form=locked,
            answers=answers.as_json(),
            entered_by=acting_user,
            entered_at=timezone.now(),
        )
        record_event(
            "surveys.paper_form_entered",
            entry,
            acting_user=acting_user,
            data={**_describe(batch, locked), "entry": len(entries) + 1},
        )
        if not entries:
            return Keyed(entry, FormStatus.AWAITING_SECOND)
        if entries[0].answers != entry.answers:
            return Keyed(entry, FormStatus.MISMATCH)
        response = _reconcile(form_spec, batch, locked, answers)
        record_event(
            "surveys.paper_form_reconciled",
            locked,
            acting_user=acting_user,
            data={**_describe(batch, locked), "by": "agreement", "response": response.pk},
        )
    return Keyed(entry, FormStatus.RECONCILED, response)


def do_resolve_paper_form(form: PaperForm, data, *, acting_user) -> PaperResolution:
    """A third person's reading of a form whose two keyings differ; the form then counts."""
    batch = form.batch
    check_keyer(batch.campaign, acting_user)
    with transaction.atomic():
        locked = PaperForm.objects.select_for_update().get(pk=form.pk)
        if locked.response_id is not None:
            raise ValidationError(_("This form is reconciled already."))
        entries = list(locked.entries.all())
        if len(entries) < 2 or entries[0].answers == entries[1].answers:
            raise ValidationError(
                _("Only a form keyed twice with differing entries needs a resolution.")
            )
        if any(e.entered_by_id == acting_user.pk for e in entries):
            raise ValidationError(
                _("You keyed this form; a third person must resolve its differences.")
            )
        form_spec = _form_spec(batch)
        answers = _canonical(clean_answers(form_spec, data))
        differing = [name for name, _first, _second in _differences(batch, entries)]
        resolution = PaperResolution.objects.create(
            form=locked,
            answers=answers.as_json(),
            resolved_by=acting_user,
            resolved_at=timezone.now(),
        )
        response = _reconcile(form_spec, batch, locked, answers)
        record_event(
            "surveys.paper_form_resolved",
            locked,
            acting_user=acting_user,
            data={
                **_describe(batch, locked),
                "fields": differing,
                "response": response.pk,
            },
        )
    return resolution


def _reconcile(form_spec, batch: PaperBatch, locked: PaperForm, answers: Answers) -> Response:
    response = store_response(
        form_spec, batch.target, answers, channel=Channel.PAPER, origin="paper"
    )
    if not PaperForm.objects.filter(pk=locked.pk).fill_in(response=response):
        raise ValidationError(_("This form is reconciled already."))
    return response


def _form_spec(batch: PaperBatch):
    # The questionnaire the paper was printed from, not whatever version is current now.
    return form_for(batch.questionnaire, fixed_category=batch.category)


def _describe(batch: PaperBatch, form: PaperForm) -> dict:
    return {"campaign": batch.campaign.code, "batch": batch.number, "serial": form.serial}


def _user_row(user):
    return user if getattr(user, "pk", None) is not None else None


def _canonical(answers: Answers) -> Answers:
    """Item scores written the same way whatever was typed (7.5, 7.50), so equal readings
    of the paper compare equal."""
    items = {key: _plain(Decimal(value)) for key, value in answers.items.items()}
    return replace(answers, items=items)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


# -- reads --------------------------------------------------------------------------------------


def flat(answers: dict) -> dict[str, str]:
    """A stored keying as form field names (tier, category, item_<key>, problems, suggestions)."""
    fields = {name: str(answers.get(name, "")) for name in ("tier", "category")}
    fields.update({ITEM_PREFIX + k: str(v) for k, v in (answers.get("items") or {}).items()})
    fields.update({name: str(answers.get(name, "")) for name in ("problems", "suggestions")})
    return fields


def _field_order(batch: PaperBatch) -> list[str]:
    items = [ITEM_PREFIX + item.key for item in items_of(batch.questionnaire)]
    return ["tier", "category", *items, "problems", "suggestions"]


def _differences(batch: PaperBatch, entries: list[PaperEntry]) -> list[tuple[str, str, str]]:
    first, second = flat(entries[0].answers), flat(entries[1].answers)
    names = _field_order(batch)
    names += sorted((set(first) | set(second)) - set(names))
    return [
        (name, first.get(name, ""), second.get(name, ""))
        for name in names
        if first.get(name, "") != second.get(name, "")
    ]


def mismatches(form: PaperForm) -> list[tuple[str, str, str]]:
    """(field, first keying's value, second keying's value) for each field the two keyings
    read differently; empty unless the form has two differing entries."""
    entries = list(form.entries.all()[:2])
    if len(entries) < 2:
        return []
    return _differences(form.batch, entries)


def agreed_values(form: PaperForm) -> dict[str, str]:
    """The fields both keyings read alike: the resolver only has to read the others."""
    entries = list(form.entries.all()[:2])
    if len(entries) < 2:
        return {}
    first, second = flat(entries[0].answers), flat(entries[1].answers)
    return {name: value for name, value in first.items() if second.get(name) == value}


def status_of(entry_count: int, response_id) -> str:
    if response_id is not None:
        return FormStatus.RECONCILED
    if entry_count >= 2:
        return FormStatus.MISMATCH
    return FormStatus.AWAITING_SECOND if entry_count == 1 else FormStatus.AWAITING_FIRST


def _entry_counts():
    rows = (
        PaperEntry.objects.filter(form=OuterRef("pk"))
        .values("form")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(rows), 0)


def batch_progress(campaign: Campaign) -> list[dict]:
    """Counts per paper batch, in one query; never a value keyed from the paper.

    Each dict: batch (PaperBatch), forms, awaiting_first, keyed_once (awaiting a
    second entry), keyed_twice (two entries, equal or not), mismatched (two
    differing entries, awaiting resolution), reconciled (counted in the tally).
    """
    forms = (
        PaperForm.objects.filter(batch__campaign=campaign)
        .annotate(n=_entry_counts())
        .values("batch_id")
        .annotate(
            forms=Count("id"),
            keyed_once=Count("id", filter=Q(n=1)),
            keyed_twice=Count("id", filter=Q(n__gte=2)),
            mismatched=Count("id", filter=Q(n__gte=2, response__isnull=True)),
            reconciled=Count("id", filter=Q(response__isnull=False)),
        )
    )
    counts = {row.pop("batch_id"): row for row in forms}
    batches = campaign.paper_batches.select_related("target__unit", "questionnaire").order_by(
        "number"
    )
    empty = {"forms": 0, "keyed_once": 0, "keyed_twice": 0, "mismatched": 0, "reconciled": 0}
    progress = []
    for batch in batches:
        row = {"batch": batch, **counts.get(batch.pk, empty)}
        row["awaiting_first"] = row["forms"] - row["keyed_once"] - row["keyed_twice"]
        progress.append(row)
    return progress


def forms_with_status(batch: PaperBatch):
    """The batch's forms, each annotated with `entry_count` and given a `status`, lazily."""
    return batch.forms.annotate(entry_count=_entry_counts()).order_by("serial")


def set_statuses(forms) -> list[PaperForm]:
    forms = list(forms)
    for form in forms:
        form.status = status_of(form.entry_count, form.response_id)
        form.status_label = FormStatus(form.status).label
    return forms


def next_form_to_key(batch: PaperBatch, user) -> PaperForm | None:
    """The first form (by serial) this person may key: not reconciled, keyed fewer than
    twice, and not by them."""
    return (
        batch.forms.annotate(entry_count=_entry_counts())
        .filter(response__isnull=True, entry_count__lt=2)
        .exclude(entries__entered_by=user)
        .order_by("serial")
        .first()
    )


def next_form_to_resolve(batch: PaperBatch, user) -> PaperForm | None:
    """The first form with differing entries that this person did not key."""
    return (
        batch.forms.annotate(entry_count=_entry_counts())
        .filter(response__isnull=True, entry_count__gte=2)
        .exclude(entries__entered_by=user)
        .order_by("serial")
        .first()
    )


@dataclass(frozen=True)
class KeyingState:
    """What a person can do with one form now: `mode` is enter, resolve, keyed or reconciled."""

    status: str
    mode: str
    own_entry: PaperEntry | None = None


def keying_state(form: PaperForm, user) -> KeyingState:
    entries = list(form.entries.all())
    status = status_of(len(entries), form.response_id)
    own = next((e for e in entries if e.entered_by_id == user.pk), None)
    if status == FormStatus.RECONCILED:
        mode = "reconciled"
    elif own is not None:
        mode = "keyed"
    elif status == FormStatus.MISMATCH:
        mode = "resolve"
    else:
        mode = "enter"
    return KeyingState(status, mode, own)
