"""Tally API: runs (counts always, scores only once readable), start, sign, publish, and the
public published results. The same access checks and actions as the pages."""

from datetime import datetime

from django.core.exceptions import ValidationError
from ninja import Router, Schema
from ninja.responses import Status as Respond

from campaigns.access import CampaignAccess
from scoring import access as scoring_access
from scoring.actions import do_publish_tally_run, do_sign_tally_run, do_start_tally_run
from scoring.exports import results_data, run_sheet
from scoring.models import SignerRole, TallyRun

router = Router(tags=["scoring"])


class ErrorOut(Schema):
    detail: str
    errors: list[str]


class SignatureOut(Schema):
    role: str
    user: str
    signed_at: datetime


class ChainHeadOut(Schema):
    seq: int
    hash: str


class ResultOut(Schema):
    target: str
    name: str
    group: str
    responses: int
    valid_votes: int
    components: dict[str, float | None]
    total: float | None
    grade: str | None
    rank: int | None
    flags: list[str]


class RunOut(Schema):
    campaign: str
    number: int
    started_by: str
    started_at: datetime
    digest: str
    counts: dict[str, int]
    signatures: list[SignatureOut]
    signed: bool
    signed_at: datetime | None
    chain_head: ChainHeadOut | None
    published: bool
    published_at: datetime | None
    sealed: bool


class RunDetailOut(RunOut):
    scheme: str
    results: list[ResultOut] | None


class PublishedOut(Schema):
    campaign: str
    scheme: str
    digest: str
    run: int
    signed_at: datetime
    chain_head: ChainHeadOut
    published_at: datetime
    results: list[ResultOut]


class SignIn(Schema):
    role: SignerRole


def _run(access: CampaignAccess | None, run: TallyRun) -> dict:
    return {
        "campaign": run.campaign.code,
        "number": run.number,
        "started_by": run.started_by.username,
        "started_at": run.started_at,
        "digest": run.digest,
        "counts": run.counts,
        "signatures": [
            {"role": s.role, "user": s.user.username, "signed_at": s.signed_at}
            for s in run.signatures.all()
        ],
        "signed": run.is_signed,
        "signed_at": run.signed_at,
        "chain_head": {"seq": run.chain_seq, "hash": run.chain_hash} if run.is_signed else None,
        "published": run.is_published,
        "published_at": run.published_at,
        "sealed": not scoring_access.can_read_scores(access, run),
    }


def _detail(access: CampaignAccess, run: TallyRun) -> dict:
    data = _run(access, run)
    if data["sealed"]:
        return {**data, "scheme": run.scheme.get("name", ""), "results": None}
    exported = results_data(run_sheet(run))
    return {**data, "scheme": exported["scheme"], "results": exported["results"]}


def _refused(exc: ValidationError) -> Respond:
    return Respond(400, {"detail": " ".join(exc.messages), "errors": exc.messages})


@router.get("/{code}/runs", response=list[RunOut])
def list_runs(request, code: str):
    """Every run of the campaign, newest first, with response counts; never scores."""
    access = scoring_access.get_tally_access(request.user, code)
    runs = access.campaign.tally_runs.select_related("campaign", "started_by").prefetch_related(
        "signatures__user"
    )
    return [_run(access, run) for run in runs.order_by("-number")]


@router.get("/{code}/runs/{number}", response=RunDetailOut)
def get_run(request, code: str, number: int):
    """One run; `results` is null and `sealed` true until the caller may read its scores."""
    access, run = scoring_access.get_run_for_user(request.user, code, number)
    return _detail(access, run)


@router.post("/{code}/runs", response={201: RunDetailOut, 400: ErrorOut})
def start_run(request, code: str):
    """Start a new sealed tally run (organizers, from the evaluate phase on)."""
    access = scoring_access.get_tally_access(request.user, code)
    try:
        run = do_start_tally_run(access.campaign, acting_user=request.user)
    except ValidationError as exc:
        return _refused(exc)
    return Respond(201, _detail(access, run))


@router.post("/{code}/runs/{number}/sign", response={200: RunDetailOut, 400: ErrorOut})
def sign_run(request, code: str, number: int, payload: SignIn):
    """Sign in one role (`organizer` or `tallier`); the second signature seals the run."""
    access, run = scoring_access.get_run_for_user(request.user, code, number)
    try:
        do_sign_tally_run(run, payload.role.value, acting_user=request.user)
    except ValidationError as exc:
        return _refused(exc)
    run.refresh_from_db()
    return _detail(access, run)


@router.post("/{code}/runs/{number}/publish", response={200: RunDetailOut, 400: ErrorOut})
def publish_run(request, code: str, number: int):
    """A leader approves publication of a signed run."""
    access, run = scoring_access.get_run_for_user(request.user, code, number)
    try:
        run = do_publish_tally_run(run, acting_user=request.user)
    except ValidationError as exc:
        return _refused(exc)
    return _detail(access, run)


@router.get("/{code}/published", auth=None, response=PublishedOut)
def published(request, code: str):
    """Public: the latest published results (404 while nothing is published)."""
    _campaign, run = scoring_access.get_published_campaign(code)
    return results_data(run_sheet(run))
