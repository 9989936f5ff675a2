"""Emails about complaints. They carry the content the unit needs, never who complained."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from complaints.models import Complaint, ComplaintStep
from orgs.models import Role, RoleMembership

logger = logging.getLogger(__name__)


def liaison_emails(complaint: Complaint) -> list[str]:
    """The liaisons held at the unit concerned itself."""
    rows = RoleMembership.objects.filter(
        unit=complaint.target.unit, role=Role.LIAISON, user__is_active=True
    ).exclude(user__email="")
    return sorted(set(rows.values_list("user__email", flat=True)))


def complaint_url(complaint: Complaint) -> str:
    """The link for an email: absolute when PINGYI_SITE_URL is set, else the bare path.

    Emails are sent after commit, outside any request, so the site's address
    comes from settings (e.g. PINGYI_SITE_URL = "https://pingyi.example.gov.cn").
    """
    path = reverse("complaints:detail", args=[complaint.pk])
    site_url = getattr(settings, "PINGYI_SITE_URL", "") or ""
    return site_url.rstrip("/") + path if site_url else path


def notify_unit_of_assignment(
    complaint: Complaint, step: ComplaintStep, *, returned: bool = False
) -> None:
    """Runs after commit: a failing mail server must not undo or hide the recorded step."""
    recipients = liaison_emails(complaint)
    if not recipients:
        return
    context = {
        "complaint": complaint,
        "step": step,
        "returned": returned,
        "url": complaint_url(complaint),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("complaints/email/assigned_subject.txt", context).strip()
        body = render_to_string("complaints/email/assigned.txt", context)
    try:
        send_mail(subject, body, None, recipients)
    except OSError:
        logger.exception("could not send the assignment email for complaint %s", complaint.pk)
