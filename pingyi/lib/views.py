"""Small helpers shared by the apps' views."""

from contextlib import contextmanager

from django.contrib import messages
from django.core.exceptions import ValidationError


@contextmanager
def action_errors_as_messages(request):
    """Show an action's ValidationError as messages on the next page instead of a 500."""
    try:
        yield
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
