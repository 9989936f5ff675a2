from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from orgs.access import OPERATOR
from rectification.actions import do_mark_overdue_items
from rectification.tasks import schedule_first_run


class Command(BaseCommand):
    help = "The rectification ledger: the daily overdue check."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser(
            "mark-overdue",
            help="mark newly overdue items and notify now (for cron; safe to run repeatedly)",
        )
        sub.add_parser(
            "schedule",
            help="enqueue the daily background check (a worker must run `pingyi db_worker`)",
        )

    def handle(self, *args, subcommand, **options):
        if subcommand == "mark-overdue":
            items = do_mark_overdue_items(acting_user=OPERATOR)
            self.stdout.write(_("%(count)d item(s) newly marked overdue.") % {"count": len(items)})
            for item in items:
                self.stdout.write(f"  #{item.pk} {item.target.unit.code} {item.deadline}")
        elif schedule_first_run():
            self.stdout.write(_("The daily overdue check is queued; it reschedules itself."))
        else:
            self.stdout.write(_("The daily overdue check is already queued; nothing changed."))
