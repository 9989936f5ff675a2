"""`pingyi counters verify|rebuild CODE`: check the response counters against a recount.

The tally reads the counters (ADR 0008); `verify` recounts every response
with GROUP BY and lists each row where the two disagree (exit status 1), and
`rebuild` writes the counters anew from that recount, audited.
"""

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils.translation import gettext as _

from campaigns.access import get_campaign_for_user
from orgs.access import OPERATOR
from pingyi.lib.commands import acting_user_from, add_acting_user_argument
from surveys import counters


class Command(BaseCommand):
    help = (
        "Verify a campaign's response counters against a recount of its responses, or rebuild them."
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=("verify", "rebuild"))
        parser.add_argument("code", help="campaign code")
        add_acting_user_argument(parser)

    def handle(self, *args, what: str, code: str, **options):
        user = acting_user_from(options) or OPERATOR
        try:
            campaign = get_campaign_for_user(user, code).campaign
        except (Http404, PermissionDenied) as exc:
            raise CommandError(str(exc)) from exc
        if what == "rebuild":
            wrong = counters.do_rebuild_counters(campaign, acting_user=user)
            self.stdout.write(
                _("Counters rebuilt from the responses; %(n)s rows were corrected.")
                % {"n": len(wrong)}
            )
            return
        wrong = counters.verify(campaign)
        for kept, fresh in wrong:
            self.stdout.write(f"{_describe(kept or fresh)}: {_n(kept)} ≠ {_n(fresh)}")
        if wrong:
            raise CommandError(
                _(
                    "%(n)s counter rows differ from the recount; run `pingyi counters rebuild %(code)s`."
                )
                % {"n": len(wrong), "code": code}
            )
        self.stdout.write(_("The counters agree with a recount of every response."))


def _describe(count: counters.Count) -> str:
    return f"target {count.target_id} / {count.category or '-'} / {count.tier or '-'}"


def _n(count: counters.Count | None) -> str:
    if count is None:
        return "0"
    return f"{count.responses} ({count.scored} scored, {count.score_cents} cents)"
