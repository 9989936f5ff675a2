"""Organizer pages for invitation batches and open links.

Tokens are shown once: creating a batch answers with a ZIP of the CSV and
the QR cards, made in the same transaction as the batch, so a batch whose
file could not be made is not kept either. Only counts of use appear here
(the tally stays sealed).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from campaigns.access import CampaignAccess, get_campaign_for_user
from orgs.models import Role
from pingyi.lib.forms import add_action_errors
from surveys.cards import batch_zip, open_link_poster_pdf, open_link_url, public_base
from surveys.invitations import do_close_open_link, do_create_invitation_batch, do_create_open_link
from surveys.models import InvitationBatch, OpenLink
from surveys.questionnaires import categories_of, current_questionnaire, scheme_of

PAGE_SIZE = 25
# Cards for one batch are drawn while the organizer waits; beyond this the
# request would outlast the app server's timeout. Larger runs: several batches.
PAGE_MAX_BATCH = 1000


def _organizer_access(user, code: str) -> CampaignAccess:
    access = get_campaign_for_user(user, code)
    if not access.has(Role.ORGANIZER):
        raise PermissionDenied(_("Only an organizer of the campaign may manage invitations."))
    return access


def _categories(campaign) -> tuple[str, ...]:
    questionnaire = current_questionnaire(campaign)
    scheme = scheme_of(campaign)
    if questionnaire is None:
        return tuple(scheme.category_labels())
    return categories_of(questionnaire, scheme)


class TargetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.unit.name


class _TargetCategoryForm(forms.Form):
    target = TargetChoiceField(label=gettext_lazy("Unit"), queryset=None)
    category = forms.ChoiceField(label=gettext_lazy("Respondent category"), required=False)
    label = forms.CharField(
        label=gettext_lazy("Label (for your own reference)"), max_length=200, required=False
    )

    def __init__(self, access: CampaignAccess, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = access.targets().order_by("unit__code")
        self.fields["category"].choices = [("", _("The respondent chooses"))] + [
            (c, c) for c in _categories(access.campaign)
        ]


class BatchForm(_TargetCategoryForm):
    size = forms.IntegerField(
        label=gettext_lazy("Number of invitations"),
        min_value=1,
        max_value=PAGE_MAX_BATCH,
        initial=50,
    )

    field_order = ["target", "category", "size", "label"]


class OpenLinkForm(_TargetCategoryForm):
    pass


# ---- invitation batches ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def batches(request, code):
    access = _organizer_access(request.user, code)
    form = BatchForm(access, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # The raw tokens live only in this request: if the file cannot be
            # made, the batch is not kept.
            with transaction.atomic():
                batch, tokens = do_create_invitation_batch(
                    access.campaign,
                    data["target"],
                    size=data["size"],
                    category=data["category"],
                    label=data["label"],
                    acting_user=request.user,
                )
                content = batch_zip(batch, tokens, public_base(request))
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Batch B%(number)s with %(size)s invitations was created. "
                    "Keep the downloaded file safe: the codes cannot be shown again."
                )
                % {"number": batch.number, "size": batch.size},
            )
            return _download(content, f"batch-{batch.number}.zip", "application/zip")
    rows = (
        InvitationBatch.objects.filter(campaign=access.campaign)
        .select_related("target__unit", "created_by")
        .annotate(used=Count("invitations", filter=Q(invitations__used=True)))
        .order_by("-number")
    )
    context = {
        "campaign": access.campaign,
        "form": form,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "max_size": PAGE_MAX_BATCH,
    }
    return render(request, "surveys/invitations/batches.html", context)


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Holds raw tokens: no cache may keep a copy.
    response["Cache-Control"] = "no-store"
    return response


# ---- open links -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def open_links(request, code):
    access = _organizer_access(request.user, code)
    form = OpenLinkForm(access, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            link = do_create_open_link(
                access.campaign,
                data["target"],
                category=data["category"],
                label=data["label"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(
                request,
                _("Open link %(slug)s for %(unit)s was created.")
                % {"slug": link.slug, "unit": link.target.unit.name},
            )
            return redirect("surveys:open_links", code=code)
    rows = (
        OpenLink.objects.filter(campaign=access.campaign)
        .select_related("target__unit")
        .annotate(response_count=Count("responses"))
        .order_by("-created_at", "-pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for link in page:
        link.url = open_link_url(request, link.slug)
    context = {"campaign": access.campaign, "form": form, "page": page}
    return render(request, "surveys/invitations/open_links.html", context)


def _open_link(access: CampaignAccess, slug: str) -> OpenLink:
    link = (
        OpenLink.objects.select_related("campaign", "target__unit")
        .filter(campaign=access.campaign, slug=slug)
        .first()
    )
    if link is None:
        raise Http404(_("No such open link."))
    return link


@login_required
@require_POST
def close_open_link(request, code, slug):
    access = _organizer_access(request.user, code)
    link = _open_link(access, slug)
    try:
        do_close_open_link(link, acting_user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Open link %(slug)s was closed.") % {"slug": link.slug})
    return redirect("surveys:open_links", code=code)


@login_required
def open_link_poster(request, code, slug):
    access = _organizer_access(request.user, code)
    link = _open_link(access, slug)
    if link.closed_at:
        messages.error(request, _("Open link %(slug)s is closed.") % {"slug": link.slug})
        return redirect("surveys:open_links", code=code)
    content = open_link_poster_pdf(link, public_base(request))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="poster-{link.slug}.pdf"'
    return response
