"""`pingyi tally CODE`: the live tally of a campaign as JSON, CSV or XLSX, audited.

This is the reproducible, unsealed computation anyone with the data can rerun
(the web's sealed runs store the same numbers). It is for the console operator:
with --as only a superuser may run it, since the web keeps these scores sealed
until both signatures (ADR 0006).
"""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from audit.record import record_event
from campaigns.access import get_campaign_for_user
from campaigns.models import Campaign
from orgs.access import OPERATOR, is_superuser
from pingyi.lib.commands import acting_user_from, add_acting_user_argument
from scoring.exports import live_sheet, results_csv, results_json, results_xlsx
from scoring.queries import live_tally
from scoring.schemes import SchemeError

FORMATS = ("json", "csv", "xlsx")


class Command(BaseCommand):
    help = "Compute a campaign's results from the data as it stands (JSON, CSV or XLSX)."
    # The system checks load every URL and API module (a second per run); `pingyi check`
    # and `make test` run them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("code", help="campaign code")
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument(
            "--output", type=Path, help="write to this file instead of standard output"
        )
        add_acting_user_argument(parser)

    def handle(self, *args, code: str, format: str, output: Path | None, **options):
        if format == "xlsx" and output is None:
            raise CommandError(_("XLSX needs --output FILE."))
        user = acting_user_from(options)
        campaign = _campaign(user, code)
        try:
            with transaction.atomic():
                live = live_tally(campaign)
                sheet = live_sheet(campaign, live)
                content = _render(sheet, format, to_file=output is not None)
                record_event(
                    "scoring.tally_computed",
                    campaign,
                    acting_user=user,
                    data={"campaign": campaign.code, "digest": sheet.digest, "format": format},
                )
        except SchemeError as exc:
            raise CommandError(
                _("The campaign's scheme is invalid:") + "\n" + "\n".join(exc.errors)
            ) from exc
        except ValueError as exc:  # the engine refuses inputs the scheme does not know
            raise CommandError(str(exc)) from exc
        if output is None:
            self.stdout.write(content, ending="")
        elif isinstance(content, bytes):
            output.write_bytes(content)
        else:
            output.write_text(content, encoding="utf-8", newline="")


def _campaign(user, code: str) -> Campaign:
    try:
        access = get_campaign_for_user(user or OPERATOR, code)
    except (Http404, PermissionDenied) as exc:
        raise CommandError(str(exc)) from exc
    if user is not None and not is_superuser(user):
        # A named user would read scores the web keeps sealed until both signatures.
        raise CommandError(
            _(
                "The live tally shows scores that stay sealed until both signatures; run it "
                "as the console operator, or read the signed run on the web."
            )
        )
    return access.campaign


def _render(sheet, format: str, *, to_file: bool) -> str | bytes:
    if format == "xlsx":
        return results_xlsx(sheet)
    if format == "csv":
        return results_csv(sheet, bom=to_file)
    return results_json(sheet)
