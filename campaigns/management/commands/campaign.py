from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils.translation import gettext as _

from campaigns.access import campaigns_for_user, get_campaign_for_user
from campaigns.actions import do_load_campaign_spec
from campaigns.spec import SpecError, read_spec_file
from orgs.access import OPERATOR
from pingyi.lib.commands import acting_user_from, add_acting_user_argument


class Command(BaseCommand):
    help = "Campaigns as code: load a spec, list campaigns, show one."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        load = sub.add_parser("load", help="create or update a campaign from a YAML spec")
        load.add_argument("spec", type=Path)
        add_acting_user_argument(load)
        add_acting_user_argument(sub.add_parser("list", help="list campaigns"))
        show = sub.add_parser("show", help="show one campaign")
        show.add_argument("code")
        add_acting_user_argument(show)

    def handle(self, *args, subcommand, **options):
        user = acting_user_from(options)
        try:
            getattr(self, f"handle_{subcommand}")(user, **options)
        except SpecError as exc:
            raise CommandError(
                _("The spec was rejected; nothing was written:\n") + str(exc)
            ) from exc
        except ValidationError as exc:  # refused while writing: the transaction rolled back
            raise CommandError(
                _("The spec was rejected; nothing was written:\n") + "\n".join(exc.messages)
            ) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc

    def handle_load(self, user, *, spec: Path, **options):
        data = read_spec_file(spec)
        report = do_load_campaign_spec(data, acting_user=user or OPERATOR, base_dir=spec.parent)
        if not report.changed:
            self.stdout.write(
                _("No changes: %(code)s already matches the spec.") % {"code": report.campaign.code}
            )
        for line in report.created:
            self.stdout.write(f"+ {line}")
        for line in report.updated:
            self.stdout.write(f"~ {line}")
        if report.kept:
            self.stdout.write(
                _("Targets not in the spec were kept: %(codes)s")
                % {"codes": ", ".join(report.kept)}
            )
        if report.kept_phases:
            self.stdout.write(
                _("Phases not in the spec were kept: %(kinds)s")
                % {"kinds": ", ".join(report.kept_phases)}
            )

    def handle_list(self, user, **options):
        for campaign in campaigns_for_user(user or OPERATOR):
            self.stdout.write(
                f"{campaign.code}\t{campaign.year}\t{campaign.organizer.code}\t{campaign.name}"
            )

    def handle_show(self, user, *, code: str, **options):
        try:
            access = get_campaign_for_user(user or OPERATOR, code)
        except Http404 as exc:
            raise CommandError(str(exc)) from exc
        campaign = access.campaign
        self.stdout.write(f"{campaign.code}: {campaign.name} ({campaign.year})")
        self.stdout.write(
            _("organizing unit: %(unit)s")
            % {"unit": f"{campaign.organizer.code} {campaign.organizer}"}
        )
        self.stdout.write(
            _("scheme: %(scheme)s")
            % {"scheme": campaign.scheme.get("preset") or campaign.scheme.get("name", "inline")}
        )
        for phase in campaign.ordered_phases():
            self.stdout.write(f"  {phase.kind:<10} {phase.start} – {phase.end}  {phase.name}")
        for target in access.targets():
            flag = " " + _("exempt") if target.exempt else ""
            self.stdout.write(f"  [{target.group}] {target.unit.code} {target.unit}{flag}")
