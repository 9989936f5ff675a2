from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from pingyi.demo import load_all
from surveys.tokens import grouped

LOCAL_SITE = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = "Load the demo campaign and its casework (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="campaign year (default: this year)")

    def handle(self, *args, year=None, **options):
        users, tokens = load_all(year)
        self.stdout.write(self.style.SUCCESS(_("Demo campaign loaded.")))
        self.stdout.write(_("Log in with one of these (username / password / role):"))
        for demo in users:
            self.stdout.write(
                f"  {demo.username:<10} {demo.password:<18} {demo.role} @ {demo.unit}"
            )
        if tokens:
            site = settings.PINGYI_SITE_URL or LOCAL_SITE
            self.stdout.write(_("Unused survey invitations to try (shown once; each works once):"))
            for name, token in tokens:
                self.stdout.write(f"  {name}: {site}/s/{token}/  ({grouped(token)})")
