"""The public answering pages under /s/: no login, phone first, no JavaScript needed.

An invitation token in a URL is a secret until it is used, so every page here
is `Cache-Control: no-store` and sends a Referrer-Policy under which no path
ever leaves in a Referer (the stylesheet request would otherwise carry the
token); the logs redact /s/<token> (pingyi.lib.logredact).

The policy is `strict-origin`, not `no-referrer`: under `no-referrer` browsers
send `Origin: null` with a form's POST, which Django's CSRF check refuses, and
the answer form, the language switch and the receipt lookup are all POSTs.
`strict-origin` sends only `https://host/`, never a path, and keeps the Origin.

The POST views read the body themselves before the CSRF check, so a wrong
content type or an oversized body gets a clear page instead of a bare 400/403.
"""

import secrets
from datetime import UTC, datetime
from functools import wraps

from django.core import signing
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    ValidationError,
)
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from scoring.access import published_run
from surveys import submission
from surveys.models import Response
from surveys.submission import Client, Refusal
from surveys.tokens import RECEIPT_RE, grouped, normalise

REFERRER_POLICY = "strict-origin"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# How long an answer page's signed start time is believed (for the speeder signal).
START_MAX_AGE = 2 * 24 * 3600
START_SALT = "surveys.answer-started"
SUBMITTED_FIELDS = ("tier", "category", "problems", "suggestions")
# The status of each refusal's page. Not open yet is 403 (come back later);
# closed and used are 410 Gone (this will not work again); no questionnaire yet is 403.
REFUSAL_STATUS = {
    Refusal.UNKNOWN: 404,
    Refusal.USED: 410,
    Refusal.NOT_OPEN: 403,
    Refusal.CLOSED: 410,
    Refusal.THROTTLED: 429,
    Refusal.NO_QUESTIONNAIRE: 403,
}


def public_page(view):
    """No caching, no path in Referers; on POST, a readable form body, then the CSRF check."""
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST":
            unreadable = _unreadable_body(request)
            response = unreadable or protected(request, *args, **kwargs)
        else:
            response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        response["Referrer-Policy"] = REFERRER_POLICY
        return response

    return csrf_exempt(wrapper)


def _unreadable_body(request):
    """A page explaining why the body cannot be read, or None when request.POST is fine."""
    if request.content_type not in FORM_TYPES:
        message = _("Please send the form from the survey page (the request was not a form).")
        return _problem(request, _("Not a form"), message, status=415)
    try:
        request.POST  # noqa: B018 - parse now, so the errors below are ours to explain
    except RequestDataTooBig:
        message = _("What you sent is too large. Please shorten your answers and try again.")
        return _problem(request, _("Too large"), message, status=413)
    except (TooManyFieldsSent, MultiPartParserError, SuspiciousOperation):
        message = _("The form could not be read. Please reload the survey page and try again.")
        return _problem(request, _("Could not read the form"), message, status=400)
    return None


def _problem(request, title, message, *, status):
    context = {"title": title, "message": message}
    return render(request, "surveys/public/problem.html", context, status=status)


def client_of(request) -> Client:
    return Client.of(request)


# Invitations ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@public_page
def start(request):
    """Type the code from an invitation card; POST so the code stays out of every URL."""
    if request.method == "GET":
        return render(request, "surveys/public/start.html", {})
    code = normalise(request.POST.get("code", ""))[:200]
    if not code:
        error = _("Please type the code printed on your invitation.")
        return render(request, "surveys/public/start.html", {"error": error}, status=400)
    return _show_invitation(request, code, action=reverse("answer:submit_code"))


@require_http_methods(["POST"])
@public_page
def submit_code(request):
    """The answers to an invitation whose code was typed: the code rides in the form."""
    code = normalise(request.POST.get("code", ""))[:200]
    return _submit_invitation(request, code, action=reverse("answer:submit_code"))


@require_http_methods(["GET", "POST"])
@public_page
def invitation(request, token):
    action = reverse("answer:invitation", args=[token])
    if request.method == "GET":
        return _show_invitation(request, token, action=action, in_url=True)
    return _submit_invitation(request, token, action=action, in_url=True)


def _show_invitation(request, token, *, action, in_url=False):
    try:
        opened = submission.open_invitation(token, client_of(request))
        if opened.invitation.used:
            raise submission.used_refusal()
        submission.check_open(opened.form.questionnaire)
    except Refusal as refusal:
        return refused(request, refusal)
    return _answer_page(request, opened, action=action, code="" if in_url else token)


def _submit_invitation(request, token, *, action, in_url=False):
    try:
        submitted = submission.do_submit_by_token(
            token, request.POST, client=client_of(request), **_form_keys(request)
        )
    except Refusal as refusal:
        return refused(request, refusal)
    except ValidationError as error:
        opened = submission.open_invitation(token, client_of(request))
        code = "" if in_url else token
        return _answer_page(request, opened, action=action, code=code, error=error)
    return _receipt_page(request, submitted)


# Open links ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@public_page
def open_link(request, slug):
    action = reverse("answer:open_link", args=[slug])
    try:
        opened = submission.open_link(slug)
        submission.check_open(opened.form.questionnaire)
    except Refusal as refusal:
        return refused(request, refusal)
    if request.method == "GET":
        return _answer_page(request, opened, action=action)
    try:
        submitted = _submit_open_link(request, slug)
    except Refusal as refusal:
        return refused(request, refusal)
    except ValidationError as error:
        return _answer_page(request, opened, action=action, error=error)
    return _receipt_page(request, submitted)


def _submit_open_link(request, slug):
    keys = _form_keys(request)
    return submission.do_submit_open_link(slug, request.POST, client=client_of(request), **keys)


# Pages ---------------------------------------------------------------------------------------


def _answer_page(request, opened, *, action, code="", error=None):
    form = opened.form
    errors = _errors(error) if error else {}
    values = _values(request.POST, form) if error else {}
    posted = request.POST if error else {}
    key = posted.get("submission_key", "")
    # A key refused as another form's gets a fresh one, so the form can be sent again.
    reused = "submission_key" in errors
    key = key if 16 <= len(key) <= 100 and not reused else secrets.token_urlsafe(24)
    start = posted.get("started", "")
    if started_at(start, key) is None:
        start = signing.dumps([int(timezone.now().timestamp()), key], salt=START_SALT)
    context = {
        "opened": opened,
        "form": form,
        # Blank questions are the same for everyone answering this version: rendered once.
        "blank_questions": None if error else blank_questions(form),
        "questionnaire": form.questionnaire,
        "campaign": opened.campaign,
        "target_name": opened.target.unit.name,
        "values": values,
        "errors": errors,
        "disabled": False,
        "action": action,
        "code": code,
        "submission_key": key,
        # Signed with the form's key: a start time serves one answer only.
        "started": start,
    }
    status = 400 if error else 200
    return render(request, "surveys/public/answer.html", context, status=status)


QUESTIONS_TEMPLATE = "surveys/public/_questions.html"
_blank_questions: dict[tuple, str] = {}
BLANK_QUESTIONS_KEPT = 256


def blank_questions(form) -> str:
    """The questions with nothing filled in, as HTML, kept per process for each content and
    language: they were 40% of the answer page's rendering, the same for every respondent
    of a questionnaire version and category.

    The key holds everything QUESTIONS_TEMPLATE reads when nothing is filled in; a field
    it starts to read must join the key (test_answer_path checks a fresh render).
    """
    questionnaire = form.questionnaire
    key = (
        translation.get_language(),
        form.tiers,
        form.categories,
        form.fixed_category,
        form.items,
        questionnaire.tier_prompt,
        questionnaire.category_prompt,
        questionnaire.ask_problems,
        questionnaire.ask_suggestions,
        questionnaire.max_text_length,
    )
    html = _blank_questions.get(key)
    if html is None:
        context = {"form": form, "values": {}, "errors": {}, "disabled": False}
        html = render_to_string(QUESTIONS_TEMPLATE, context)
        if len(_blank_questions) >= BLANK_QUESTIONS_KEPT:
            _blank_questions.clear()
        _blank_questions[key] = html
    return html


def _errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {"__all__": error.messages}


def _values(data, form) -> dict[str, str]:
    names = [*SUBMITTED_FIELDS, *(f"item_{item.key}" for item in form.items)]
    return {name: data.get(name, "") for name in names}


def _form_keys(request) -> dict:
    key = request.POST.get("submission_key", "")
    return {
        "submission_key": key,
        "started_at": started_at(request.POST.get("started", ""), key),
        "timed": True,
    }


def started_at(value: str, key: str) -> datetime | None:
    """When the answer page was served, from its signed field; None when missing, forged,
    or signed for another form's key."""
    try:
        seconds, signed_key = signing.loads(value, salt=START_SALT, max_age=START_MAX_AGE)
        if signed_key != key:
            return None
        return datetime.fromtimestamp(int(seconds), tz=UTC)
    except (signing.BadSignature, TypeError, ValueError, OverflowError):
        return None


def _receipt_page(request, submitted):
    context = {"receipt": grouped(submitted.receipt), "replayed": not submitted.created}
    return render(request, "surveys/public/submitted.html", context)


def refused(request, refusal: Refusal):
    titles = {
        Refusal.UNKNOWN: _("Code not known"),
        Refusal.USED: _("Already used"),
        Refusal.NOT_OPEN: _("Not open yet"),
        Refusal.CLOSED: _("Survey closed"),
        Refusal.THROTTLED: _("Too many tries"),
        Refusal.NO_QUESTIONNAIRE: _("Not ready yet"),
    }
    context = {"title": titles.get(refusal.code, _("Not available")), "message": str(refusal)}
    context["refusal"] = refusal.code
    status = REFUSAL_STATUS.get(refusal.code, 403)
    response = render(request, "surveys/public/problem.html", context, status=status)
    if refusal.code == Refusal.THROTTLED:
        response["Retry-After"] = "3600"
    return response


# Receipts ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@public_page
def receipt(request):
    """Was my answer counted? Never shows what was answered."""
    if request.method == "GET":
        return render(request, "surveys/public/receipt.html", {})
    code = normalise(request.POST.get("receipt", ""))[:100]
    found = (
        Response.objects.select_related("target__unit", "campaign").filter(receipt=code).first()
        if RECEIPT_RE.match(code)
        else None
    )
    context = {"code": request.POST.get("receipt", "")[:100], "looked_up": True}
    if found is None:
        context["error"] = _(
            "No answer has this receipt code. Please check it: it has 16 letters and digits."
        )
        return render(request, "surveys/public/receipt.html", context, status=404)
    context.update(receipt_status(found))
    return render(request, "surveys/public/receipt.html", context)


def receipt_status(response: Response) -> dict:
    """What a receipt may tell: target, day received, exclusion, counted in published results."""
    run = published_run(response.campaign)
    status = {
        "campaign": response.campaign,
        "target_name": response.target.unit.name,
        "received_on": timezone.localtime(response.submitted_at).date(),
        # Not before publication: it would tell a vote stuffer which signals caught them.
        "excluded": response.excluded_at is not None and run is not None,
        "run": run,
        "counted": None,
    }
    last = getattr(run, "last_response_id", None)
    if run is not None and last is None and not any(run.counts.values()):
        last = 0  # the run counted no response at all
    if run is not None and last is not None:
        # The run counted what existed at its start and was not excluded by then.
        before_exclusion = response.excluded_at is None or response.excluded_at > run.started_at
        status["counted"] = response.pk <= last and before_exclusion
        status["after_run"] = response.pk > last
    return status
