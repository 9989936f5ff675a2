import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from pingyi.demo import load_all
from pingyi.synthetic import generate_province
from surveys.tokens import grouped

LOCAL_SITE = "http://127.0.0.1:8000"
PROVINCE = "province"
PROVINCE_OPTIONS = ("targets", "responses", "seed", "code")
PROGRESS_STEP = 5  # percent between progress lines


class Command(BaseCommand):
    help = "Load the demo campaign and its casework (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="campaign year (default: this year)")
        parser.add_argument(
            "--scale",
            choices=["demo", PROVINCE],
            default="demo",
            help=_(
                "demo: the science-bureau demo (default); province: a synthetic province "
                "for benchmarks, with no logins"
            ),
        )
        parser.add_argument(
            "--targets", type=int, help=_("province: number of targets (default 3000)")
        )
        parser.add_argument(
            "--responses", type=int, help=_("province: number of responses (default 10000000)")
        )
        parser.add_argument(
            "--seed", type=int, help=_("province: random seed; equal seeds give equal data")
        )
        parser.add_argument(
            "--code", help=_("province: campaign code (default province-YEAR); must be new")
        )

    def handle(self, *args, year=None, scale="demo", **options):
        if scale == PROVINCE:
            self._province(year, options)
            return
        given = [f"--{name}" for name in PROVINCE_OPTIONS if options.get(name) is not None]
        if given:
            raise CommandError(
                _("%(options)s only go with --scale province") % {"options": ", ".join(given)}
            )
        self._demo(year)

    def _demo(self, year):
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

    def _province(self, year, options):
        wanted = {name: options[name] for name in PROVINCE_OPTIONS if options.get(name) is not None}
        progress = _Progress(self.stderr)
        try:
            campaign = generate_province(year=year, progress=progress, **wanted)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        responses = progress.done.get("responses", 0)
        seconds = progress.seconds("responses")
        rate = f"{responses / seconds:,.0f}" if seconds else "-"
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Synthetic province %(code)s loaded: %(targets)d targets, %(responses)d "
                    "responses (%(rate)s rows/s)."
                )
                % {
                    "code": campaign.code,
                    "targets": campaign.targets.count(),
                    "responses": responses,
                    "rate": rate,
                }
            )
        )


class _Progress:
    """Prints a line per stage every PROGRESS_STEP percent, with the rate so far."""

    def __init__(self, stream):
        self.stream = stream
        self.started: dict[str, float] = {}
        self.ended: dict[str, float] = {}
        self.shown: dict[str, int] = {}
        self.done: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        self.started.setdefault(stage, now)
        self.done[stage] = done
        percent = 100 * done // total if total else 100
        step = percent // PROGRESS_STEP
        if step == self.shown.get(stage, -1):
            return
        self.shown[stage] = step
        elapsed = now - self.started[stage]
        rate = f", {done / elapsed:,.0f}/s" if elapsed > 0 and done else ""
        self.stream.write(f"{stage}: {done:,}/{total:,} ({percent}%{rate})")
        if done >= total:
            self.ended[stage] = now

    def seconds(self, stage: str) -> float:
        if stage not in self.ended:
            return 0.0
        return self.ended[stage] - self.started[stage]
