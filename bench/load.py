"""Load on the public answering path: complete respondent flows against gunicorn.

A browser flow is what a phone does with an invitation link: GET /s/<token>/
(a fresh one-time token each time), read the answer form (CSRF token, form
key, signed start time, every hidden field, the offered tiers and
categories), keep the flow's cookies, POST a valid answer to the form's
action and check that the page shows a receipt. An API flow asks
POST /api/v1/surveys/questionnaire what the token is asked, then answers with
POST /api/v1/surveys/respond (token in the body) and checks the 201 receipt.

The app is served as `make run` serves it (bench.servers): migrate, the demo,
collectstatic, then gunicorn with the Makefile's WORKERS. Tokens come from
the real invitation action in a setup subprocess (bench.load_setup). Every
run has a fixed number of flows, a time cap after which no flow starts, and
a per-request timeout; afterwards the database must hold exactly one
response per successful flow (by receipt, and by counting before and after).

On PostgreSQL the scale-out proof runs the same flows against one server,
then split over two servers on different ports sharing the database, every
flow crossing (GET on one server, POST on the other) so sessions, CSRF and
the throttle are shown to live in the database and cookies, not in a process.

    python -m bench.load --db postgres --flows 300
    python -m bench.load --db sqlite --flows 300 --only browser
"""

import argparse
import asyncio
import json
import random
import re
import secrets
import shlex
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import aiohttp

from bench.common import Context, log, measure
from bench.servers import (
    AppServer,
    cpu_seconds,
    database_backends,
    makefile_workers,
    prepare_site,
    serving,
)

DEFAULT_FLOWS = 300
CONCURRENCIES = (8, 32)
TIME_CAP = 300.0  # seconds per run: no flow starts after it
REQUEST_TIMEOUT = 30.0
WARMUP_FLOWS = 40
RECEIPT_RE = re.compile(r'id="receipt-code"[^>]*>([a-z2-7-]+)<')
# Short remarks like honest answers have (two together stay under the 15 characters the
# duplicate-text signal looks at), and now and then a longer, unique one, which it looks up.
REMARKS = ["", "", "", "服务很好", "午休无人", "推行网上预约", "窗口太少"]
LONG_SHARE = 0.2


# ---- the answer form -------------------------------------------------------------------------


@dataclass
class AnswerForm:
    action: str = ""
    hidden: dict[str, str] = field(default_factory=dict)
    radios: dict[str, list[str]] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    textareas: list[str] = field(default_factory=list)


# The answer form among the page's forms (the header has the language switch), and the
# tags in it. Regular expressions, not html.parser: the load generator shares the
# machine's two cores with the server, so its own CPU per flow is kept small.
_ANSWER_FORM_RE = re.compile(
    r'<form\b(?=[^>]*\bclass="[^"]*\banswer-form\b)([^>]*)>(.*?)</form>', re.DOTALL
)
_FIELD_RE = re.compile(r"<(input|textarea)\b([^>]*)>")
_ATTRIBUTE_RE = re.compile(r'([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?')


def _attributes(text: str) -> dict[str, str]:
    return {name: unescape(value or "") for name, value in _ATTRIBUTE_RE.findall(text)}


def parse_answer_form(html: str) -> AnswerForm | None:
    """The fields of <form class="answer-form">: hidden values, radio choices, text inputs."""
    found = _ANSWER_FORM_RE.search(html)
    if found is None:
        return None
    form = AnswerForm(action=_attributes(found.group(1)).get("action", ""))
    for tag, text in _FIELD_RE.findall(found.group(2)):
        attrs = _attributes(text)
        name = attrs.get("name")
        if not name:
            continue
        kind = attrs.get("type", "text") if tag == "input" else "textarea"
        if kind == "hidden":
            form.hidden[name] = attrs.get("value", "")
        elif kind == "radio":
            form.radios.setdefault(name, []).append(attrs.get("value", ""))
        elif kind == "text":
            form.texts.append(name)
        elif kind == "textarea":
            form.textareas.append(name)
    return form


def remark(rng: random.Random) -> str:
    if rng.random() < LONG_SHARE:  # unique, as honest long remarks are: no duplicate flag
        return f"建议第{secrets.randbelow(10**12)}号窗口增加人手并公开办事流程"
    return rng.choice(REMARKS)


def fill(form: AnswerForm, rng: random.Random) -> dict[str, str]:
    """A valid answer: every hidden field back, one choice per question, items at 0."""
    data = dict(form.hidden)
    for name, values in form.radios.items():
        data[name] = rng.choice(values)
    for name in form.texts:
        data[name] = "0"  # within every item's range
    for name in form.textareas:
        data[name] = remark(rng)
    return data


# ---- measuring -------------------------------------------------------------------------------


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    ordered = sorted(values)

    def rank(q):  # nearest rank
        return round(ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.5) - 1))], 1)

    return {
        "n": len(ordered),
        "p50_ms": rank(0.50),
        "p95_ms": rank(0.95),
        "p99_ms": rank(0.99),
        "max_ms": round(ordered[-1], 1),
    }


@dataclass
class Tally:
    flow_ms: list[float] = field(default_factory=list)
    request_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter = field(default_factory=Counter)
    receipts: list[str] = field(default_factory=list)
    requests_by_server: Counter = field(default_factory=Counter)
    stored_by_server: Counter = field(default_factory=Counter)
    replayed: int = 0
    crossed: int = 0

    def timed(self, name: str, started: float) -> None:
        self.request_ms.setdefault(name, []).append((time.perf_counter() - started) * 1000)


class FlowError(Exception):
    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


async def _request(session, tally, name, server, method, url, **kwargs) -> tuple[int, str, dict]:
    started = time.perf_counter()
    async with session.request(method, url, **kwargs) as reply:
        body = await reply.text()
    tally.timed(name, started)
    tally.requests_by_server[server] += 1
    cookies = {key: morsel.value for key, morsel in reply.cookies.items()}
    return reply.status, body, cookies


def _status_error(name: str, status: int, body: str) -> FlowError:
    if status == 403 and "csrf" in body.lower():
        return FlowError(f"{name}_csrf_403")
    return FlowError(f"{name}_http_{status}")


async def browser_flow(session, tally, token, get_url, post_url, rng) -> str:
    """GET the invitation page on one server, POST the answer (maybe to another): the receipt."""
    status, body, cookies = await _request(
        session, tally, "get", get_url, "GET", f"{get_url}/s/{token}/"
    )
    if status != 200:
        raise _status_error("get", status, body)
    form = parse_answer_form(body)
    if form is None or not form.action or "csrfmiddlewaretoken" not in form.hidden:
        raise FlowError("get_no_form")
    headers = {
        # A browser sends the site's origin; behind a balancer both servers are that site.
        "Origin": post_url,
        "Referer": f"{post_url}/",
        "Cookie": "; ".join(f"{key}={value}" for key, value in cookies.items()),
    }
    status, body, _ = await _request(
        session,
        tally,
        "post",
        post_url,
        "POST",
        f"{post_url}{form.action}",
        data=fill(form, rng),
        headers=headers,
    )
    if status != 200:
        raise _status_error("post", status, body)
    found = RECEIPT_RE.search(body)
    if not found:
        raise FlowError("post_no_receipt")
    if "already arrived" in body or "此前已收到" in body:  # a replay: not a new answer
        tally.replayed += 1
    return found.group(1).replace("-", "")


async def api_flow(session, tally, token, get_url, post_url, rng) -> str:
    """Ask what the token is asked, answer it with the token in the body: the receipt."""
    status, body, _ = await _request(
        session,
        tally,
        "questionnaire",
        get_url,
        "POST",
        f"{get_url}/api/v1/surveys/questionnaire",
        json={"token": token},
    )
    if status != 200:
        raise _status_error("questionnaire", status, body)
    asked = json.loads(body)
    answers = {"tier": rng.choice(asked["tiers"]) if asked["tiers"] else ""}
    if asked["categories"]:
        answers["category"] = rng.choice(asked["categories"])
    answers["items"] = {item["key"]: 0 for item in asked["items"]}
    if asked["ask_suggestions"]:
        answers["suggestions"] = remark(rng)
    payload = {"token": token, "answers": answers, "submission_key": secrets.token_urlsafe(24)}
    status, body, _ = await _request(
        session,
        tally,
        "respond",
        post_url,
        "POST",
        f"{post_url}/api/v1/surveys/respond",
        json=payload,
    )
    if status != 201:
        raise _status_error("respond", status, body)
    reply = json.loads(body)
    if not reply.get("created") or not reply.get("receipt"):
        raise FlowError("respond_no_receipt")
    return reply["receipt"]


FLOWS = {"browser": browser_flow, "api": api_flow}


async def drive(
    kind: str,
    tokens: list[str],
    servers: list[str],
    *,
    concurrency: int,
    cross: bool = False,
    time_cap: float = TIME_CAP,
    seed: int = 0,
) -> tuple[Tally, float, int]:
    """Run one flow per token with `concurrency` flows in flight; (tally, seconds, not started).

    Flow i starts on servers[i % n]; with `cross`, its second request goes to the next server.
    """
    flow = FLOWS[kind]
    tally = Tally()
    rng = random.Random(seed)  # noqa: S311 - answers for a benchmark, not secrets
    queue = list(enumerate(tokens))
    queue.reverse()
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=concurrency * 2, limit_per_host=concurrency)
    deadline = time.monotonic() + time_cap

    async def worker(session):
        while queue and time.monotonic() < deadline:
            index, token = queue.pop()
            first = servers[index % len(servers)]
            second = servers[(index + 1) % len(servers)] if cross else first
            started = time.perf_counter()
            try:
                receipt = await flow(session, tally, token, first, second, rng)
            except FlowError as error:
                tally.errors[error.kind] += 1
                continue
            except TimeoutError:
                tally.errors["timeout"] += 1
                continue
            except aiohttp.ClientError as error:
                tally.errors[f"connection_{type(error).__name__}"] += 1
                continue
            except (ValueError, KeyError):
                tally.errors["bad_reply"] += 1
                continue
            tally.flow_ms.append((time.perf_counter() - started) * 1000)
            tally.receipts.append(receipt)
            tally.stored_by_server[second] += 1
            tally.crossed += first != second

    started = time.perf_counter()
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return tally, time.perf_counter() - started, len(queue)


# ---- the database side -------------------------------------------------------------------------


def setup_call(ctx: Context, *args: str) -> dict:
    return json.loads(measure(ctx, ["python", "-m", "bench.load_setup", *args]).stdout)


class Tokens:
    """Fresh invitation tokens made up front; each flow takes its own."""

    def __init__(self, ctx: Context, count: int):
        path = ctx.workdir / "load-tokens.txt"
        made = setup_call(ctx, "tokens", "--count", str(count), "--output", str(path))
        log(
            f"load: {made['tokens']} invitations over {made['targets']} targets ({made['campaign']})"
        )
        self.left = path.read_text().split()
        path.unlink()  # raw tokens are ballots: they live in this process only

    def take(self, count: int) -> list[str]:
        if count > len(self.left):
            raise RuntimeError(f"only {len(self.left)} tokens left, {count} wanted")
        taken, self.left = self.left[:count], self.left[count:]
        return taken


def verify(ctx: Context, tally: Tally, before: dict) -> dict:
    """Exactly one stored response per successful flow: by receipt, and by count."""
    with tempfile.NamedTemporaryFile("w", dir=ctx.workdir, suffix=".txt", delete=False) as out:
        out.write("\n".join(tally.receipts) + "\n")
    try:
        found = setup_call(ctx, "verify", "--receipts", out.name)
    finally:
        Path(out.name).unlink()
    after = setup_call(ctx, "count")
    ok = len(tally.receipts)
    added = after["responses_total"] - before["responses_total"]
    used = after["invitations_used"] - before["invitations_used"]
    return {
        "stored_by_receipt": found["stored"],
        "flags": found["flags"],
        "responses_added": added,
        "invitations_used": used,
        "lost": max(0, ok - found["stored"]),
        "duplicated": (ok - found["distinct_receipts"]) + max(0, added - ok),
        "stored_ok": found["stored"] == ok == found["distinct_receipts"] == added == used,
    }


def _cpu(ctx: Context, apps: list[AppServer]) -> dict:
    """CPU seconds used so far by the app servers, this process (the load) and each of the
    database's server processes: unlike wall time, hardly moved by other work on the box."""
    name = ctx.database_url.rsplit("/", 1)[-1] if ctx.db == "postgres" else None
    return {
        "app": sum(app.cpu_seconds() for app in apps),
        "load": time.process_time(),
        "db": {pid: cpu_seconds([pid]) for pid in (database_backends(name) if name else [])},
    }


def _cpu_per_flow(before: dict, after: dict, flows: int) -> dict:
    """CPU milliseconds per stored flow. The database's share counts its server processes
    that lived through the run (with connections kept, as DB_CONN_MAX_AGE has them)."""
    if not flows:
        return {}
    lasting = before["db"].keys() & after["db"].keys()
    db = sum(after["db"][pid] - before["db"][pid] for pid in lasting)
    return {
        "app_cpu_ms_per_flow": round((after["app"] - before["app"]) * 1000 / flows, 2),
        "load_cpu_ms_per_flow": round((after["load"] - before["load"]) * 1000 / flows, 2),
        "db_cpu_ms_per_flow": round(db * 1000 / flows, 2),
    }


def measured_run(
    ctx: Context, kind: str, tokens: list[str], apps: list[AppServer], **options
) -> dict:
    servers = [app.url for app in apps]
    before = setup_call(ctx, "count")
    cpu_before = _cpu(ctx, apps)
    tally, seconds, not_started = asyncio.run(drive(kind, tokens, servers, **options))
    cpu_after = _cpu(ctx, apps)
    ok = len(tally.receipts)
    result = {
        "kind": kind,
        "concurrency": options["concurrency"],
        "servers": len(servers),
        "flows": len(tokens),
        "ok": ok,
        "not_started": not_started,
        "errors": dict(tally.errors),
        "seconds": round(seconds, 2),
        "flows_per_s": round(ok / seconds, 1) if seconds else 0.0,
        "requests_per_s": round(sum(tally.requests_by_server.values()) / seconds, 1),
        "flow": percentiles(tally.flow_ms),
        "requests": {name: percentiles(ms) for name, ms in tally.request_ms.items()},
        "replayed": tally.replayed,
        **_cpu_per_flow(cpu_before, cpu_after, ok),
    }
    if len(servers) > 1:
        result["crossed_ok"] = tally.crossed
        result["by_server"] = {
            url: {
                "requests": tally.requests_by_server[url],
                "flows_stored": tally.stored_by_server[url],
                "flows_per_s": round(tally.stored_by_server[url] / seconds, 1),
            }
            for url in servers
        }
    result.update(verify(ctx, tally, before))
    log(
        f"load: {kind} c={options['concurrency']} servers={len(servers)}: "
        f"{ok}/{len(tokens)} ok, {result['flows_per_s']} flows/s, "
        f"p95 {result['flow']['p95_ms']} ms, errors {dict(tally.errors)}, "
        f"stored_ok {result['stored_ok']}"
    )
    return result


# ---- the throttle across servers ---------------------------------------------------------------


async def _throttle_across(servers: list[str], token: str, limit: int) -> dict:
    """`limit` wrong codes from one loopback address, alternating servers, then one more and
    a right code: both refused (429) on whichever server, as the count is in the database.

    The address is a random one of loopback's 127/8 outside 127.0.0.0/24, so neither the
    flows' own address nor their network is ever counted.
    """
    rng = random.Random()  # noqa: S311 - an address and wrong codes, not secrets
    # Its own /24 within 127/8 (all loopback), never the flows' 127.0.0.0/24.
    address = f"127.{rng.randrange(1, 255)}.{rng.randrange(256)}.{rng.randrange(2, 255)}"
    connector = aiohttp.TCPConnector(local_addr=(address, 0), force_close=True)
    statuses = Counter()
    async with aiohttp.ClientSession(connector=connector) as session:
        for n in range(limit):
            wrong = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz234567", k=26))
            url = f"{servers[n % 2]}/api/v1/surveys/questionnaire"
            async with session.post(url, json={"token": wrong}) as reply:
                statuses[reply.status] += 1
        async with session.post(
            f"{servers[0]}/api/v1/surveys/questionnaire", json={"token": "a" * 26}
        ) as reply:
            wrong_after = reply.status
        async with session.post(
            f"{servers[1]}/api/v1/surveys/questionnaire", json={"token": token}
        ) as reply:
            right_after = reply.status
    return {
        "wrong_codes": dict(statuses),
        "wrong_after_limit": wrong_after,
        "right_after_limit": right_after,
        "shared": statuses.get(404, 0) == limit and wrong_after == 429 and right_after == 429,
    }


# ---- the runs ----------------------------------------------------------------------------------


def _server_args(ctx: Context) -> tuple[str, ...]:
    """Extra gunicorn options, for trying other settings than `make run`'s (none by default)."""
    return tuple(shlex.split(ctx.sizes.get("server_args", "")))


def _single_server(ctx, tokens: Tokens, flows: int, kinds, concurrencies) -> dict:
    results: dict = {}
    with serving(ctx, name="single", extra_args=_server_args(ctx)) as server:
        warm = asyncio.run(
            drive("browser", tokens.take(WARMUP_FLOWS), [server.url], concurrency=8)
        )[0]
        if warm.errors:
            log(f"load: warm-up errors {dict(warm.errors)}")
        for kind in kinds:
            for concurrency in concurrencies:
                results.setdefault(kind, {})[f"c{concurrency}"] = measured_run(
                    ctx,
                    kind,
                    tokens.take(flows),
                    [server],
                    concurrency=concurrency,
                    seed=concurrency,
                )
        results["server"] = _server_settings(server)
    return results


def _server_settings(server: AppServer) -> dict:
    """How the app was served: `make run`'s workers and pingyi/gunicorn_conf.py's threads."""
    from pingyi import gunicorn_conf

    return {
        "workers": server.workers,
        "worker_class": getattr(gunicorn_conf, "worker_class", "sync"),
        "threads": getattr(gunicorn_conf, "threads", 1),
        "extra_args": " ".join(server.extra_args),
    }


def _scale_out(ctx, tokens: Tokens, flows: int, concurrency: int) -> dict:
    extra = _server_args(ctx)
    with (
        serving(ctx, name="a", extra_args=extra) as first,
        serving(ctx, name="b", extra_args=extra) as second,
    ):
        servers = [first.url, second.url]
        for url in servers:
            asyncio.run(drive("browser", tokens.take(WARMUP_FLOWS // 2), [url], concurrency=4))
        apps = [first, second]
        alone = measured_run(ctx, "browser", tokens.take(flows), apps[:1], concurrency=concurrency)
        both = measured_run(
            ctx, "browser", tokens.take(flows), apps, concurrency=concurrency, cross=True
        )
        limit = int(ctx.env.get("PINGYI_TOKEN_TRIES_PER_HOUR", "100"))
        throttle = asyncio.run(_throttle_across(servers, tokens.take(1)[0], limit))
    by_server = [s["flows_per_s"] for s in both["by_server"].values()]
    return {
        "concurrency": concurrency,
        "one_server": alone,
        "two_servers_crossed": both,
        "flows_per_s_one": alone["flows_per_s"],
        "flows_per_s_two": both["flows_per_s"],
        "flows_per_s_by_server": by_server,
        "flows_per_s_sum": round(sum(by_server), 1),
        "speedup": round(both["flows_per_s"] / alone["flows_per_s"], 2)
        if alone["flows_per_s"]
        else None,
        # Every flow of the two-server run took its page from one server and posted to the
        # other: sessions, CSRF and the form's signed fields hold across servers.
        "crossed_ok": both["crossed_ok"],
        "crossed_all_ok": both["crossed_ok"] == both["flows"] and not both["errors"],
        "throttle_across_servers": throttle,
        "stored_ok": alone["stored_ok"] and both["stored_ok"],
        "server": _server_settings(first),
    }


def run(ctx: Context) -> dict:
    """Browser and API flows at concurrency 8 and 32 on one server; on PostgreSQL also the
    scale-out proof over two servers. Plain numbers for the JSON report."""
    sizes = ctx.sizes
    flows = int(sizes.get("flows", DEFAULT_FLOWS))
    concurrencies = tuple(sizes.get("concurrencies", CONCURRENCIES))
    kinds = tuple(sizes.get("load_kinds", ("browser", "api")))
    scale_out = sizes.get("scale_out", ctx.db == "postgres")
    scale_concurrency = int(sizes.get("scale_out_concurrency", 8))
    ctx.workdir.mkdir(parents=True, exist_ok=True)
    result: dict = {"db": ctx.db, "flows_per_run": flows}
    if not sizes.get("skip_setup"):
        result["setup_seconds"] = prepare_site(ctx)
    needed = WARMUP_FLOWS + flows * len(kinds) * len(concurrencies)
    if scale_out:
        needed += WARMUP_FLOWS + 2 * flows + 1
    tokens = Tokens(ctx, needed)
    result.update(_single_server(ctx, tokens, flows, kinds, concurrencies))
    if scale_out:
        result["scale_out"] = _scale_out(ctx, tokens, flows, scale_concurrency)
    else:
        result["scale_out"] = {"skipped": "PostgreSQL only"}
    runs = [r for kind in kinds for r in result[kind].values()]
    if scale_out:
        runs += [result["scale_out"]["one_server"], result["scale_out"]["two_servers_crossed"]]
    result["stored_ok"] = all(r["stored_ok"] for r in runs)
    return result


# ---- command line ------------------------------------------------------------------------------

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/pingyi_load_bench"


def _ensure_database(url: str, fresh: bool) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--database-url", default=DEFAULT_PG, help="for --db postgres")
    parser.add_argument("--flows", type=int, default=DEFAULT_FLOWS, help="flows per run")
    parser.add_argument("--concurrency", default="8,32", help="comma-separated")
    parser.add_argument("--only", choices=("browser", "api"), help="one kind of flow")
    parser.add_argument("--no-scale-out", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the PG database")
    parser.add_argument("--workdir", type=Path, help="default: /tmp/load/<db>")
    parser.add_argument(
        "--server-args", default="", help='extra gunicorn options, e.g. "--workers 3"'
    )
    parser.add_argument("--no-setup", action="store_true", help="skip migrate, demo, static")
    args = parser.parse_args(argv)
    workdir = (args.workdir or Path(tempfile.gettempdir()) / "load" / args.db).resolve()
    if args.db == "postgres":
        _ensure_database(args.database_url, args.fresh)
        url = args.database_url
    else:
        url = ""  # the default SQLite file in the data directory, as `make run` has it
    sizes = {
        "flows": args.flows,
        "concurrencies": [int(c) for c in args.concurrency.split(",")],
        "load_kinds": [args.only] if args.only else ["browser", "api"],
        "scale_out": args.db == "postgres" and not args.no_scale_out,
        "server_args": args.server_args,
        "skip_setup": args.no_setup,
    }
    ctx = Context(db=args.db, database_url=url, scale="cli", workdir=workdir, sizes=sizes)
    log(f"load: {args.db}, {args.flows} flows per run, workers {makefile_workers()}")
    json.dump(run(ctx), sys.stdout, indent=2, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
