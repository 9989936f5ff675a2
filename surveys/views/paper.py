"""Paper forms: batches and their progress, double keying, resolution by a third person.

Organizers and talliers of the campaign only. The batch pages show statuses
and counts; values read from the paper appear only on the keying page, to
the person keying, and side by side to the third person resolving.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from orgs.models import Role
from pingyi.lib.forms import add_action_errors
from surveys import paper
from surveys.answers import ITEM_PREFIX, form_for
from surveys.questionnaires import categories_of, current_questionnaire, scheme_of

PAGE_SIZE = 50


class PaperBatchForm(forms.Form):
    target = forms.ChoiceField(label=gettext_lazy("Unit evaluated"))
    size = forms.IntegerField(
        label=gettext_lazy("Number of forms"), min_value=1, max_value=paper.MAX_PAPER_BATCH
    )
    category = forms.ChoiceField(label=gettext_lazy("Respondent category"), required=False)
    label = forms.CharField(label=gettext_lazy("Label"), max_length=200, required=False)

    def __init__(self, *args, targets, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [(t.unit.code, t.unit.name) for t in targets]
        self.fields["category"].choices = [
            ("", _("Asked on the form")),
            *[(c, c) for c in categories],
        ]


def _batch_form(access, data=None) -> PaperBatchForm:
    campaign = access.campaign
    questionnaire = current_questionnaire(campaign)
    categories = categories_of(questionnaire, scheme_of(campaign)) if questionnaire else ()
    targets = access.targets().order_by("group", "unit__code")
    return PaperBatchForm(data, targets=targets, categories=categories, auto_id="batch-%s")


def _may_create(access) -> bool:
    return access.has(Role.ORGANIZER)  # as do_create_paper_batch checks


def _batches_page(request, access, batch_form, status=200):
    context = {
        "campaign": access.campaign,
        "progress": paper.batch_progress(access.campaign),
        "batch_form": batch_form if _may_create(access) else None,
        "has_questionnaire": current_questionnaire(access.campaign) is not None,
    }
    return render(request, "surveys/paper/batches.html", context, status=status)


@login_required
def batches(request, code):
    access = paper.get_paper_access(request.user, code)
    return _batches_page(request, access, _batch_form(access))


@login_required
@require_POST
def create_batch(request, code):
    access = paper.get_paper_access(request.user, code)
    form = _batch_form(access, request.POST)
    if not form.is_valid():
        return _batches_page(request, access, form, status=400)
    target = access.targets().get(unit__code=form.cleaned_data["target"])
    try:
        batch = paper.do_create_paper_batch(
            access.campaign,
            target,
            size=form.cleaned_data["size"],
            category=form.cleaned_data["category"],
            label=form.cleaned_data["label"],
            acting_user=request.user,
        )
    except ValidationError as exc:
        add_action_errors(form, exc)
        return _batches_page(request, access, form, status=400)
    messages.success(
        request,
        _("Paper batch P%(number)s with %(size)s forms created.")
        % {"number": batch.number, "size": batch.size},
    )
    return redirect("surveys:paper_batch", code=code, number=batch.number)


@login_required
def batch_detail(request, code, number):
    access = paper.get_paper_access(request.user, code)
    batch = paper.get_paper_batch(access, number)
    page = Paginator(paper.forms_with_status(batch), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = paper.set_statuses(page.object_list)
    progress = next(p for p in paper.batch_progress(access.campaign) if p["batch"].pk == batch.pk)
    context = {
        "campaign": access.campaign,
        "batch": batch,
        "page": page,
        "progress": progress,
        "next_to_key": paper.next_form_to_key(batch, request.user),
        "next_to_resolve": paper.next_form_to_resolve(batch, request.user),
    }
    return render(request, "surveys/paper/batch.html", context)


def _form_page(request, access, form, *, values=None, errors=None, status=200):
    batch = form.batch
    state = paper.keying_state(form, request.user)
    differences = paper.mismatches(form) if state.mode == "resolve" else []
    if state.mode == "resolve" and values is None:
        values = paper.agreed_values(form)
    questions = form_for(batch.questionnaire, fixed_category=batch.category)
    labels = _field_labels(questions)
    context = {
        "campaign": access.campaign,
        "batch": batch,
        "paper_form": form,
        "state": state,
        "status_label": paper.FormStatus(state.status).label,
        "differences": [(name, labels.get(name, name), a, b) for name, a, b in differences],
        "form": questions,
        "values": values or {},
        "errors": errors or {},
        "disabled": False,
        # A reconciled form can still be flagged for review (a stack in one hand …).
        "may_flag": state.mode == "reconciled" and access.has(Role.ORGANIZER),
    }
    return render(request, "surveys/paper/form.html", context, status=status)


def _field_labels(questions) -> dict[str, str]:
    questionnaire = questions.questionnaire
    labels = {
        "tier": questionnaire.tier_prompt,
        "category": questionnaire.category_prompt or _("Respondent category"),
        "problems": _("Problems"),
        "suggestions": _("Suggestions"),
    }
    labels.update({ITEM_PREFIX + item.key: item.label for item in questions.items})
    return labels


@login_required
def key_form(request, code, number, serial):
    """GET: the keying form, the resolution form or the form's status; POST: one keying."""
    access = paper.get_paper_access(request.user, code)
    form = paper.get_paper_form(access, number, serial)
    if request.method != "POST":
        return _form_page(request, access, form)
    return _act(request, access, form, paper.do_enter_paper_form, paper.next_form_to_key)


@login_required
@require_POST
def resolve_form(request, code, number, serial):
    access = paper.get_paper_access(request.user, code)
    form = paper.get_paper_form(access, number, serial)
    return _act(request, access, form, paper.do_resolve_paper_form, paper.next_form_to_resolve)


def _act(request, access, form, action, next_form):
    """Run one keying action; on success go on to the next form of the same kind."""
    values = {
        name: request.POST.get(name, "") for name in request.POST if name != "csrfmiddlewaretoken"
    }
    try:
        action(form, request.POST, acting_user=request.user)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            return _form_page(
                request, access, form, values=values, errors=exc.message_dict, status=400
            )
        for message in exc.messages:
            messages.error(request, message)
        return redirect(
            "surveys:paper_form",
            code=access.campaign.code,
            number=form.batch.number,
            serial=form.serial,
        )
    form.refresh_from_db()
    state = paper.keying_state(form, request.user)
    messages.success(
        request,
        _("Form %(form)s saved: %(status)s.")
        % {"form": str(form), "status": paper.FormStatus(state.status).label},
    )
    return _next(request, access, form.batch, next_form(form.batch, request.user))


def _next(request, access, batch, following):
    if following is None:
        return redirect("surveys:paper_batch", code=access.campaign.code, number=batch.number)
    return redirect(
        "surveys:paper_form",
        code=access.campaign.code,
        number=batch.number,
        serial=following.serial,
    )
