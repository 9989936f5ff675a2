"""The load benchmark's Django side, run as a subprocess with the context's environment.

    python -m bench.load_setup tokens --count N --output FILE   # fresh invitations, one a line
    python -m bench.load_setup verify --receipts FILE           # JSON: how many are stored

Tokens are made by the real action (surveys.invitations.do_create_invitation_batch,
as the console operator), spread over every target of the demo campaign; the
raw tokens exist only in its return value, so they are written to FILE
(mode 0600, in the benchmark's scratch directory) and nowhere else.
"""

import argparse
import json
import os
import random
import sys
from pathlib import Path

from django.utils import timezone


def demo_campaign():
    from campaigns.models import Campaign

    return Campaign.objects.get(code=f"kj-{timezone.localdate().year}")


def make_tokens(count: int, output: Path) -> dict:
    from surveys.invitations import MAX_BATCH, do_create_invitation_batch

    campaign = demo_campaign()
    targets = list(campaign.targets.select_related("unit").order_by("unit__path"))
    tokens: list[str] = []
    per_target = -(-count // len(targets))
    for target in targets:
        left = min(per_target, count - len(tokens))
        while left > 0:
            size = min(left, MAX_BATCH)
            _batch, made = do_create_invitation_batch(
                campaign, target, size=size, label="bench", acting_user=None
            )
            tokens.extend(token for _serial, token in made)
            left -= size
    # Answers arrive for every target at once, as they do in a real campaign.
    random.Random(count).shuffle(tokens)  # noqa: S311 - an order, not a secret
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("\n".join(tokens) + "\n")
    return {"campaign": campaign.code, "tokens": len(tokens), "targets": len(targets)}


def verify(receipts_file: Path) -> dict:
    """How many of the receipts are stored, and how many rows carry them (duplicates)."""
    from collections import Counter

    from surveys.models import Response, ResponseFlag

    receipts = [line.strip() for line in receipts_file.read_text().splitlines() if line.strip()]
    distinct = set(receipts)
    stored = 0
    flags = Counter()
    chunk = 2000
    ordered = sorted(distinct)
    for start in range(0, len(ordered), chunk):
        part = ordered[start : start + chunk]
        stored += Response.objects.filter(receipt__in=part).count()
        kinds = ResponseFlag.objects.filter(response__receipt__in=part).values_list("kind")
        flags.update(kind for (kind,) in kinds)
    return {
        "receipts": len(receipts),
        "distinct_receipts": len(distinct),
        "stored": stored,
        # The load answers within seconds, so every web answer is flagged a speeder
        # (a flag only, never a drop); long remarks are looked up for duplicate text.
        "flags": dict(flags),
        "responses_total": Response.objects.count(),
    }


def count() -> dict:
    from surveys.models import Invitation, Response

    return {
        "responses_total": Response.objects.count(),
        "invitations_used": Invitation.objects.filter(used=True).count(),
    }


def main(argv: list[str] | None = None) -> None:
    import django

    parser = argparse.ArgumentParser(prog="python -m bench.load_setup")
    commands = parser.add_subparsers(dest="command", required=True)
    tokens = commands.add_parser("tokens")
    tokens.add_argument("--count", type=int, required=True)
    tokens.add_argument("--output", type=Path, required=True)
    check = commands.add_parser("verify")
    check.add_argument("--receipts", type=Path, required=True)
    commands.add_parser("count")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingyi.settings")
    django.setup()
    if args.command == "tokens":
        result = make_tokens(args.count, args.output)
    elif args.command == "verify":
        result = verify(args.receipts)
    else:
        result = count()
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
