"""The synthetic province, driven from the benchmark in a Django subprocess.

python -m bench.province generate --targets N --responses N --seed S   → prints the code
python -m bench.province grow CODE --responses N --seed S
python -m bench.province tally CODE   → JSON: in-process seconds, counters and recount
"""

import argparse
import json
import sys
import time


def _setup() -> None:
    import django

    django.setup()


def _progress(stage: str, done: int, total: int) -> None:
    print(f"  {stage}: {done:,}/{total:,}", file=sys.stderr, flush=True)


def generate(args) -> None:
    from pingyi.synthetic import generate_province

    campaign = generate_province(
        seed=args.seed, targets=args.targets, responses=args.responses, progress=_progress
    )
    print(campaign.code)


def grow(args) -> None:
    from campaigns.models import Campaign
    from pingyi.synthetic import add_responses

    campaign = Campaign.objects.get(code=args.code)
    add_responses(campaign, args.responses, seed=args.seed, progress=_progress)


def tally(args) -> None:
    """The tally's own time without process start-up, by counters and by a full recount."""
    from campaigns.models import Campaign
    from scoring.aggregate import collect
    from scoring.engine import tally as compute
    from scoring.queries import resolved_scheme
    from scoring.schemes import parse_scheme

    campaign = Campaign.objects.get(code=args.code)
    data = resolved_scheme(campaign.scheme)
    scheme = parse_scheme(data)
    timings = {}
    digests = {}
    for name, recount in (("counters", False), ("recount", True)):
        start = time.perf_counter()
        collected = collect(campaign, scheme, data, recount=recount)
        results = compute(scheme, collected.inputs)
        timings[name] = time.perf_counter() - start
        digests[name] = collected.digest
    print(
        json.dumps(
            {
                "counters_seconds": timings["counters"],
                "recount_seconds": timings["recount"],
                "digests_agree": digests["counters"] == digests["recount"],
                "targets": len(results),
                "responses": sum(r.responses for r in results),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.province")
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--targets", type=int, default=3000)
    gen.add_argument("--responses", type=int, default=0)
    gen.add_argument("--seed", type=int, default=1)
    more = sub.add_parser("grow")
    more.add_argument("code")
    more.add_argument("--responses", type=int, required=True)
    more.add_argument("--seed", type=int, default=1)
    count = sub.add_parser("tally")
    count.add_argument("code")
    args = parser.parse_args()
    _setup()
    {"generate": generate, "grow": grow, "tally": tally}[args.command](args)


if __name__ == "__main__":
    main()
