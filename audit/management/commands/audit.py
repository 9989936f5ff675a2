from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from audit.verify import verify_chain


class Command(BaseCommand):
    help = "Audit trail tools. `pingyi audit verify` recomputes the hash chain."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="recompute the chain and report the first broken event")

    def handle(self, *args, subcommand, **options):
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                _(
                    "Audit chain broken at event #%(seq)s: %(reason)s (%(checked)s events verified before it)"
                )
                % {"seq": report.broken_seq, "reason": report.reason, "checked": report.checked}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("Audit chain intact: %(n)s events verified.") % {"n": report.checked}
            )
        )
