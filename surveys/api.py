"""Survey API under /api/v1/surveys/: answering by token, invitation batches, progress.

The public endpoints take the token in the request BODY, never in the path:
request lines end up in access logs. They call the same submission
functions as the answering pages, so every channel accepts and refuses the
same things with the same messages. Staff endpoints return counts only,
never tiers or scores (the tally is sealed until its run is signed).
"""

from datetime import date, datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status as Respond

from campaigns.access import get_campaign_for_user
from surveys.answers import ITEM_PREFIX
from surveys.cards import card_number, invitation_link
from surveys.invitations import check_organizer, do_create_invitation_batch
from surveys.progress import batch_progress, target_progress
from surveys.submission import (
    Client,
    Refusal,
    check_open,
    do_submit_by_token,
    open_invitation,
    used_refusal,
)

router = Router(tags=["surveys"])

# How each refusal reads over HTTP; a survey without a questionnaire is not open yet.
REFUSAL_STATUS = {
    Refusal.UNKNOWN: 404,
    Refusal.USED: 409,
    Refusal.NOT_OPEN: 403,
    Refusal.CLOSED: 403,
    Refusal.NO_QUESTIONNAIRE: 403,
    Refusal.THROTTLED: 429,
}
ITEMS_FIELD = "items"


# ---- schemas --------------------------------------------------------------------------------


class AnswersIn(Schema):
    tier: str = Field("", description="one of the questionnaire's tiers")
    category: str = Field(
        "", description="one of the listed categories; ignored where the invitation fixes it"
    )
    items: dict[str, str | int | float] = Field(
        default_factory=dict, description="score-sheet points by item key, e.g. {'attitude': 38}"
    )
    problems: str = ""
    suggestions: str = ""


class TokenIn(Schema):
    token: str = Field(max_length=100, description="the invitation code; dashes and case ignored")


class RespondIn(TokenIn):
    answers: AnswersIn
    submission_key: str | None = Field(
        None,
        min_length=16,
        max_length=100,
        description="a random key the client makes once per answer; "
        "sending it again returns the first receipt instead of storing twice",
    )


class ReceiptOut(Schema):
    receipt: str = Field(description="look it up later on the public receipt page")
    created: bool = Field(description="false when this was a replay of an earlier submission")


class RefusalOut(Schema):
    code: str = Field(description="unknown, used, not_open, closed, no_questionnaire, throttled")
    detail: str


class FieldErrorsOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(
        description="messages by field: tier, category, items.<key>, problems, suggestions, ..."
    )


class ItemOut(Schema):
    key: str
    label: str
    max: str = Field(description="the item's maximum points, as a decimal string")


class QuestionnaireOut(Schema):
    campaign: str
    version: int
    title: str
    intro: str
    target: str = Field(description="unit code of the unit being rated")
    target_name: str
    tier_prompt: str
    tiers: list[str]
    category_prompt: str
    categories: list[str] = Field(description="empty when the invitation fixes the category")
    fixed_category: str
    items: list[ItemOut]
    ask_problems: bool
    ask_suggestions: bool
    max_text_length: int
    opens_on: date
    closes_on: date


class BatchIn(Schema):
    target: str = Field(description="unit code of a target of the campaign")
    size: int = Field(description="number of invitations, 1 to 10,000")
    category: str = Field("", description="fix the respondent category; blank lets them choose")
    label: str = ""


class TokenOut(Schema):
    card: str = Field(description="the card number printed on a QR card, e.g. B3-0007")
    token: str
    link: str


class BatchCreatedOut(Schema):
    number: int
    target: str
    category: str
    label: str
    size: int
    tokens: list[TokenOut] = Field(description="returned this once only; the server keeps hashes")


class BatchOut(Schema):
    number: int
    target: str
    name: str
    category: str
    label: str
    size: int
    used: int
    rate: float = Field(description="used / size, in percent")
    created_at: datetime


class CategoryProgressOut(Schema):
    category: str
    counted: int
    excluded: int
    awaiting_review: int


class TargetProgressOut(Schema):
    target: str
    name: str
    group: str
    exempt: bool
    counted: int = Field(description="responses the tally counts (not excluded)")
    excluded: int
    awaiting_review: int
    min_responses: int | None
    below_minimum: bool
    categories: list[CategoryProgressOut]


class ProgressOut(Schema):
    campaign: str
    targets: list[TargetProgressOut]
    batches: list[BatchOut]


# ---- helpers --------------------------------------------------------------------------------


def _client(request) -> Client:
    return Client.of(request)


def _no_store(response: HttpResponse) -> None:
    response["Cache-Control"] = "no-store"


def _refused(refusal: Refusal) -> Respond:
    return Respond(REFUSAL_STATUS[refusal.code], {"code": refusal.code, "detail": str(refusal)})


def _api_field(name: str) -> str:
    """clean_answers names an item `item_<key>`; the API body holds it as `items.<key>`."""
    if name.startswith(ITEM_PREFIX):
        return f"{ITEMS_FIELD}.{name[len(ITEM_PREFIX) :]}"
    return name


def _invalid(exc: ValidationError, *, rename=lambda name: name) -> Respond:
    if hasattr(exc, "error_dict"):
        errors = {rename(field): messages for field, messages in exc.message_dict.items()}
    else:
        errors = {NON_FIELD_ERRORS: exc.messages}
    detail = " ".join(m for messages in errors.values() for m in messages)
    return Respond(422, {"detail": detail, "errors": errors})


def _form_data(answers: AnswersIn) -> dict:
    """The body's answers under the field names of the answering form."""
    data = answers.model_dump(exclude={"items"})
    data.update({ITEM_PREFIX + key: str(value) for key, value in answers.items.items()})
    return data


def _unknown_items(opened, answers: AnswersIn) -> ValidationError | None:
    known = {item.key for item in opened.form.items}
    unknown = sorted(set(answers.items) - known)
    if not unknown:
        return None
    return ValidationError(
        {
            f"{ITEMS_FIELD}.{key}": _("This questionnaire has no item “%(key)s”.")
            % {"key": key[:30]}
            for key in unknown
        }
    )


# ---- public: answering by token ---------------------------------------------------------------

REFUSALS = {404: RefusalOut, 403: RefusalOut, 409: RefusalOut, 429: RefusalOut}


@router.post(
    "/respond",
    auth=None,
    response={201: ReceiptOut, 200: ReceiptOut, 422: FieldErrorsOut, **REFUSALS},
)
def respond(request, payload: RespondIn, response: HttpResponse):
    """Answer the questionnaire with a one-time invitation code.

    201 with a receipt when stored; 200 with the same receipt when the same
    `submission_key` was stored before; 409 when the code was used, 404 when
    it is unknown, 403 when the survey is not open, 429 after too many
    wrong codes from the caller's network; 422 names each bad answer.
    """
    _no_store(response)
    client = _client(request)
    try:
        opened = open_invitation(payload.token, client)
        if not opened.invitation.used:  # a used code gets its refusal or its replay
            check_open(opened.form.questionnaire)
            problem = _unknown_items(opened, payload.answers)
            if problem is not None:
                return _invalid(problem)
        done = do_submit_by_token(
            payload.token,
            _form_data(payload.answers),
            client=client,
            submission_key=payload.submission_key or "",
            opened=opened,
        )
    except Refusal as refusal:
        return _refused(refusal)
    except ValidationError as exc:
        return _invalid(exc, rename=_api_field)
    return Respond(201 if done.created else 200, {"receipt": done.receipt, "created": done.created})


@router.post("/questionnaire", auth=None, response={200: QuestionnaireOut, **REFUSALS})
def questionnaire(request, payload: TokenIn, response: HttpResponse):
    """What an invitation code is asked, to build an answering form; refused like /respond."""
    _no_store(response)
    try:
        opened = open_invitation(payload.token, _client(request))
        if opened.invitation.used:
            raise used_refusal()
        check_open(opened.form.questionnaire)
    except Refusal as refusal:
        return _refused(refusal)
    form, target = opened.form, opened.target
    current = form.questionnaire
    return {
        "campaign": target.campaign.code,
        "version": current.version,
        "title": current.title,
        "intro": current.intro,
        "target": target.unit.code,
        "target_name": target.unit.name,
        "tier_prompt": current.tier_prompt,
        "tiers": list(form.tiers),
        "category_prompt": current.category_prompt,
        "categories": list(form.categories) if form.asks_category else [],
        "fixed_category": form.fixed_category,
        "items": [{"key": i.key, "label": i.label, "max": str(i.max)} for i in form.items],
        "ask_problems": current.ask_problems,
        "ask_suggestions": current.ask_suggestions,
        "max_text_length": current.max_text_length,
        "opens_on": current.opens_on,
        "closes_on": current.closes_on,
    }


# ---- staff: invitation batches and progress ----------------------------------------------------


@router.post(
    "/campaigns/{code}/invitation-batches", response={201: BatchCreatedOut, 422: FieldErrorsOut}
)
def create_invitation_batch(request, code: str, payload: BatchIn, response: HttpResponse):
    """Make a batch of one-time invitations (organizers). The tokens are in this answer only."""
    _no_store(response)
    access = get_campaign_for_user(request.user, code)
    check_organizer(access.campaign, request.user)
    target = None
    if "\x00" not in payload.target:  # PostgreSQL refuses NUL in a query: answer 422, not 500
        target = access.campaign.targets.select_related("unit").filter(unit__code=payload.target)
        target = target.first()
    if target is None:
        return _invalid(ValidationError({"target": _("The target is not part of this campaign.")}))
    try:
        batch, tokens = do_create_invitation_batch(
            access.campaign,
            target,
            size=payload.size,
            category=payload.category,
            label=payload.label,
            acting_user=request.user,
        )
    except ValidationError as exc:
        return _invalid(exc)
    return Respond(
        201,
        {
            "number": batch.number,
            "target": target.unit.code,
            "category": batch.category,
            "label": batch.label,
            "size": batch.size,
            "tokens": [
                {
                    "card": card_number(batch, serial),
                    "token": token,
                    "link": invitation_link(request, token),
                }
                for serial, token in tokens
            ],
        },
    )


@router.get("/campaigns/{code}/invitation-batches", response=list[BatchOut])
def list_invitation_batches(request, code: str):
    """The campaign's invitation batches with how many were used (organizers); no tokens."""
    access = get_campaign_for_user(request.user, code)
    check_organizer(access.campaign, request.user)
    return batch_progress(access.campaign, access.targets())


@router.get("/campaigns/{code}/progress", response=ProgressOut)
def progress(request, code: str):
    """Responses per target and category against the scheme's minimum, and batch use.

    Counts only. A liaison sees its own unit's targets.
    """
    access = get_campaign_for_user(request.user, code)
    targets = access.targets()
    return {
        "campaign": access.campaign.code,
        "targets": target_progress(access.campaign, targets),
        "batches": batch_progress(access.campaign, targets),
    }
