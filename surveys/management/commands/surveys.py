"""`pingyi surveys invite CODE UNIT --size N --output FILE`: invitations from the console.

The raw tokens exist only in the file written here (CSV, or ZIP of CSV and QR
cards, by the file's extension); the database keeps their hashes.
"""

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from campaigns.access import get_campaign_for_user
from orgs.access import OPERATOR
from pingyi.lib.commands import acting_user_from, add_acting_user_argument
from surveys.cards import batch_csv, batch_zip
from surveys.invitations import do_create_invitation_batch

LOCAL_SITE = "http://127.0.0.1:8000"


def _write_privately(path: Path, content: bytes) -> None:
    """Readable by the owner only (the codes are ballots), and never half written."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:  # mkstemp makes it 0600
            stream.write(content)
        try:
            os.link(temporary, path)  # fails rather than overwrite a file that appeared
        except (PermissionError, NotImplementedError):  # no hard links (a FAT USB stick)
            _write_new(path, content)
    finally:
        os.unlink(temporary)


def _write_new(path: Path, content: bytes) -> None:
    """Create the file (never overwrite it), 0600, and remove it again if writing fails."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
    except OSError:
        path.unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = "Create one-time survey invitations and write them to a CSV or ZIP file."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        invite = sub.add_parser("invite", help="create a batch of one-time invitations")
        invite.add_argument("code", help="campaign code")
        invite.add_argument("unit", help="code of the evaluated unit (a target of the campaign)")
        invite.add_argument("--size", type=int, required=True, help="number of invitations")
        invite.add_argument("--category", default="", help="fix the respondent category")
        invite.add_argument("--label", default="", help="a label for your own reference")
        invite.add_argument(
            "--output",
            type=Path,
            required=True,
            help="file to write: .csv (for SMS or mail merge) or .zip (CSV and QR cards)",
        )
        add_acting_user_argument(invite)

    def handle(self, *args, code, unit, size, category, label, output, **options):
        user = acting_user_from(options) or OPERATOR
        if output.suffix.lower() not in (".csv", ".zip"):
            raise CommandError(_("The output file must end in .csv or .zip."))
        if output.exists():
            raise CommandError(_("%(file)s exists; choose a new file name.") % {"file": output})
        try:
            campaign = get_campaign_for_user(user, code).campaign
            target = campaign.targets.select_related("unit").filter(unit__code=unit).first()
            if target is None:
                raise CommandError(_("%(unit)s is not a target of this campaign.") % {"unit": unit})
            # The codes exist only in this file: the batch is kept only if the file is written.
            with transaction.atomic():
                batch, tokens = do_create_invitation_batch(
                    campaign, target, size=size, category=category, label=label, acting_user=user
                )
                base = settings.PINGYI_SITE_URL or LOCAL_SITE
                write = batch_zip if output.suffix.lower() == ".zip" else batch_csv
                _write_privately(output, write(batch, tokens, base))
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        except (PermissionDenied, Http404) as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(file)s: %(error)s")
                % {"file": output, "error": exc.strerror or exc}
            ) from exc
        self.stdout.write(
            _("Batch B%(number)s: %(size)s invitations for %(unit)s written to %(file)s.")
            % {"number": batch.number, "size": size, "unit": target.unit.name, "file": output}
        )
