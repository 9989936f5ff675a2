from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils.translation import gettext as _

from campaigns.access import get_campaign_for_user
from orgs.access import OPERATOR
from pingyi.lib.commands import acting_user_from, add_acting_user_argument
from pingyi.lib.tables import TableError
from surveys.actions import READ, do_import_responses


class ImportCommand(BaseCommand):
    """`pingyi <noun> import CODE FILE`: one file, all rows or none (shared with `scores`)."""

    action = staticmethod(do_import_responses)
    import_help = "import survey responses from a CSV or XLSX file"
    # The system checks import every URLconf (most of a second) and concern serving, not
    # importing; `pingyi check` and every server start still run them.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        load = sub.add_parser("import", help=self.import_help)
        load.add_argument("code", help="campaign code")
        load.add_argument("file", type=Path, help="CSV (UTF-8, with or without BOM) or XLSX")
        load.add_argument(
            "--again",
            action="store_true",
            help="import a file even though the same bytes were imported before",
        )
        load.add_argument(
            "--progress",
            action="store_true",
            help="report progress on stderr even when it is not a terminal",
        )
        add_acting_user_argument(load)

    def handle(self, *args, subcommand, code, file, again, progress, **options):
        user = acting_user_from(options) or OPERATOR
        show_progress = progress or self.stderr.isatty()
        try:
            campaign = get_campaign_for_user(user, code).campaign
            batch = self.action(
                campaign,
                file,
                again=again,
                acting_user=user,
                progress=self._report if show_progress else None,
            )
        except (TableError, ValidationError) as exc:
            text = str(exc) if isinstance(exc, TableError) else "\n".join(exc.messages)
            raise CommandError(
                text + "\n" + _("The file was rejected; nothing was written.")
            ) from exc
        except (PermissionDenied, Http404) as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc.strerror or exc}
            ) from exc
        self.stdout.write(self.summary(batch))

    def _report(self, stage: str, rows: int) -> None:
        if stage == READ:
            line = _("rows read: %(rows)s") % {"rows": rows}
        else:
            line = _("rows written: %(rows)s") % {"rows": rows}
        self.stderr.write(line)

    def summary(self, batch) -> str:
        return _("imported %(rows)s responses (batch #%(batch)s)") % {
            "rows": batch.rows,
            "batch": batch.pk,
        }


class Command(ImportCommand):
    help = "Survey responses: import a CSV or XLSX file (all rows or none)."
