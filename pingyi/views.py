"""Site-wide views that belong to no app."""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    """Django's CSRF refusal as a page in the visitor's language (phones in in-app browsers
    often drop cookies), instead of the technical English one; nothing was saved."""
    return render(request, "403_csrf.html", status=403)
