"""Shared pieces of the `pingyi` management commands."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def add_acting_user_argument(parser) -> None:
    parser.add_argument(
        "--as",
        dest="acting_username",
        metavar="USERNAME",
        help="act as this user, with their permissions (default: the operator, unrestricted)",
    )


def acting_user_from(options):
    """None means the console operator; a named user is checked like any web user."""
    username = options.get("acting_username")
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(_("No active user named %(name)s.") % {"name": username})
    return user
