"""Nothing in a stored response leads back to the invitation or token it came with (ADR 0007).

Checked on the model and on the real database table (so a migration cannot
slip a link in), on the values of a stored row, on the invitation's
`used` flag (no time of use), on the coarsened submission time and on the receipt.
"""

import base64
import hashlib
from datetime import datetime

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from surveys.models import Invitation, InvitationBatch, Response, TimeGranularity
from surveys.submission import do_submit_by_token
from surveys.tests.factories import PHONE, SHEET, answers, invitations, open_questionnaire
from surveys.tokens import grouped, token_hash

pytestmark = pytest.mark.django_db

RESPONSE_TABLE = Response._meta.db_table
LINK_TABLES = {Invitation._meta.db_table, InvitationBatch._meta.db_table}
FORBIDDEN_WORDS = ("token", "invitation")
FIXED_TOKEN = "abcdefghijkmnpqrstuvwxyz23"
FULL_SHEET = {"item_attitude": "36", "item_efficiency": "25", "item_integrity": "28"}


def _introspect(table: str):
    introspection = connection.introspection
    with connection.cursor() as cursor:
        columns = introspection.get_table_description(cursor, table)
        relations = introspection.get_relations(cursor, table)
        constraints = introspection.get_constraints(cursor, table)
    return columns, relations, constraints


def _referenced_tables(relations: dict, constraints: dict) -> set[str]:
    via_relations = {referenced[1] for referenced in relations.values()}
    via_constraints = {c["foreign_key"][0] for c in constraints.values() if c["foreign_key"]}
    return via_relations | via_constraints


def test_the_response_model_has_no_field_pointing_at_an_invitation_or_token():
    for field in Response._meta.get_fields():
        assert field.related_model not in (Invitation, InvitationBatch), field.name
        names = [field.name, getattr(field, "column", "") or ""]
        for word in FORBIDDEN_WORDS:
            assert not any(word in name.lower() for name in names), field.name


def test_the_response_table_has_no_column_or_key_pointing_at_an_invitation_or_token():
    columns, relations, constraints = _introspect(RESPONSE_TABLE)

    names = [column.name.lower() for column in columns]
    assert "receipt" in names and "submitted_at" in names  # the table was really read
    for word in FORBIDDEN_WORDS:
        assert not [name for name in names if word in name], word
    assert not _referenced_tables(relations, constraints) & LINK_TABLES
    for constraint in constraints.values():
        assert not any(
            word in column.lower() for column in constraint["columns"] for word in FORBIDDEN_WORDS
        )


def test_no_table_links_responses_to_invitations():
    """A join table would undo the separation as surely as a column would."""
    for table in connection.introspection.table_names():
        _columns, relations, constraints = _introspect(table)
        referenced = _referenced_tables(relations, constraints)
        assert not (RESPONSE_TABLE in referenced and referenced & LINK_TABLES), table
    # and the only thing pointing at an invitation batch is its invitations
    pointing_at_batches = {
        table
        for table in connection.introspection.table_names()
        if InvitationBatch._meta.db_table in _referenced_tables(*_introspect(table)[1:])
    }
    assert pointing_at_batches == {Invitation._meta.db_table}


def test_a_stored_response_holds_neither_the_token_nor_its_hash(cast):
    open_questionnaire(cast.campaign, items=SHEET)
    token = invitations(cast.target("county-a"), 1)[0][1]
    data = answers(problems="窗口排队太久", suggestions="增加窗口", **FULL_SHEET)

    response = do_submit_by_token(
        token, data, client=PHONE, submission_key="key-for-this-form-123"
    ).response

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{RESPONSE_TABLE}" WHERE id = %s', [response.pk])
        row = cursor.fetchone()
        names = [column[0] for column in cursor.description]
    stored = {
        name: "" if value is None else str(value) for name, value in zip(names, row, strict=True)
    }
    assert stored["problems"] == "窗口排队太久"  # the row really is the answer
    secrets = _derived_forms(token)
    for name, value in stored.items():
        for secret in secrets:
            assert secret not in value.lower(), (name, secret)


def test_the_invitation_keeps_no_time_of_use(cast):
    # With the day of use, a card used alone that day at its target would name its answer.
    token = invitations(cast.target("county-a"), 1)[0][1]
    columns, _relations, _constraints = _introspect(Invitation._meta.db_table)
    open_questionnaire(cast.campaign)
    do_submit_by_token(token, answers(), client=PHONE)

    time_types = {"DateField", "DateTimeField", "TimeField"}
    kinds = {connection.introspection.get_field_type(c.type_code, c) for c in columns}
    assert not kinds & time_types
    assert Invitation.objects.get().used is True


def test_flags_and_the_frozen_questionnaire_carry_only_the_coarse_time(cast):
    at = datetime(2026, 5, 12, 14, 37, 21, tzinfo=timezone.get_current_timezone())
    with time_machine.travel(at):
        questionnaire = open_questionnaire(cast.campaign)
        token = invitations(cast.target("county-a"), 1)[0][1]
        stored = do_submit_by_token(
            token, answers(), client=PHONE, started_at=timezone.now(), timed=True
        ).response
    questionnaire.refresh_from_db()
    flag = stored.flags.get()  # answered in no time: a speeder
    midnight = timezone.localtime(stored.submitted_at)
    assert (midnight.hour, midnight.minute, midnight.second) == (0, 0, 0)
    assert flag.created_at == stored.submitted_at == questionnaire.frozen_at
    assert not hasattr(stored, "duration_seconds")


def test_the_stored_time_is_coarsened_to_the_day_by_default(cast):
    tokens = invitations(cast.target("county-a"), 2)
    shanghai = timezone.get_current_timezone()
    stored = []
    moments = [
        datetime(2026, 5, 12, 9, 5, 1, tzinfo=shanghai),
        datetime(2026, 5, 12, 17, 48, 59, tzinfo=shanghai),
    ]
    for (_serial, token), moment in zip(tokens, moments, strict=True):
        with time_machine.travel(moment, tick=False):
            open_questionnaire(cast.campaign)
            stored.append(do_submit_by_token(token, answers(), client=PHONE).response)

    times = {timezone.localtime(Response.objects.get(pk=r.pk).submitted_at) for r in stored}
    assert times == {datetime(2026, 5, 12, 0, 0, tzinfo=shanghai)}


def test_the_stored_time_is_coarsened_to_the_hour_when_the_campaign_asks(cast):
    token = invitations(cast.target("county-a"), 1)[0][1]
    shanghai = timezone.get_current_timezone()
    with time_machine.travel(datetime(2026, 5, 12, 17, 48, 59, 123, tzinfo=shanghai), tick=False):
        open_questionnaire(cast.campaign, time_granularity=TimeGranularity.HOUR)
        response = do_submit_by_token(token, answers(), client=PHONE).response

    stored = timezone.localtime(Response.objects.get(pk=response.pk).submitted_at)
    assert stored == datetime(2026, 5, 12, 17, 0, tzinfo=shanghai)


def test_the_receipt_is_random_not_derived_from_the_token(cast, monkeypatch):
    open_questionnaire(cast.campaign)
    monkeypatch.setattr("surveys.invitations.new_token", lambda: FIXED_TOKEN)

    def answer_once() -> str:
        """The same token, the same answers, the same database: then everything is undone."""
        with transaction.atomic():
            invitations(cast.target("county-a"), 1)
            receipt = do_submit_by_token(FIXED_TOKEN, answers(), client=PHONE).receipt
            transaction.set_rollback(True)
        return receipt

    first, second = answer_once(), answer_once()

    assert first != second
    assert not Response.objects.exists()
    for receipt in (first, second):
        assert len(receipt) >= 16
        for secret in _derived_forms(FIXED_TOKEN):
            assert receipt not in secret and secret not in receipt


def _derived_forms(token: str) -> list[str]:
    """The token as typed or printed, and the usual hashes of it (lowercase)."""
    raw = token.encode()
    # Weak hashes too: we look for any way the token could have been written down.
    weak = [hashlib.new(name, raw, usedforsecurity=False) for name in ("sha1", "md5")]
    digests = [hashlib.sha256(raw), hashlib.blake2b(raw), *weak]
    return [
        token.lower(),
        grouped(token).lower(),
        token_hash(token),
        *[d.hexdigest() for d in digests],
        *[base64.b32encode(d.digest()).decode().lower().rstrip("=") for d in digests],
    ]
