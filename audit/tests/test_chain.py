import importlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from audit.models import GENESIS_HASH, Event
from audit.record import record_event
from audit.verify import verify_chain

TRIGGERS = importlib.import_module("audit.migrations.0002_append_only_triggers")


def _append(n: int):
    with transaction.atomic():
        return [
            record_event("test.thing", ("test", str(i)), data={"i": i, "text": "整改"})
            for i in range(n)
        ]


def _tamper(sql: str, params=()):
    """Edit the table behind the ORM's back, as someone with database access could."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("DROP TRIGGER audit_event_no_delete")
        else:
            # A superuser can switch user triggers off for the session.
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if vendor == "sqlite":
            for statement in TRIGGERS.SQLITE_FORWARD:
                cursor.execute(statement)
        else:
            cursor.execute("SET session_replication_role = origin")


@pytest.mark.django_db
def test_events_link_each_to_the_one_before():
    events = _append(3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert all(e.hash == e.compute_hash() for e in Event.objects.all())


@pytest.mark.django_db
def test_verify_passes_on_an_untouched_chain():
    _append(5)
    report = verify_chain()
    assert report.ok and report.checked == 5


@pytest.mark.django_db
def test_verify_names_the_event_edited_with_raw_sql(english):
    _append(5)
    _tamper("UPDATE audit_event SET action = 'test.other' WHERE seq = 3")
    report = verify_chain()
    assert report.broken_seq == 3
    with pytest.raises(CommandError, match="#3"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_verify_names_the_gap_left_by_a_deleted_event():
    _append(5)
    _tamper("DELETE FROM audit_event WHERE seq = 2")
    assert verify_chain().broken_seq == 2


@pytest.mark.django_db
def test_verify_notices_the_newest_events_deleted():
    _append(4)
    _tamper("DELETE FROM audit_event WHERE seq >= 3")
    report = verify_chain()
    assert report.broken_seq == 3


@pytest.mark.django_db
def test_verify_catches_a_rehashed_edit():
    # Recomputing the edited row's own hash still breaks the next row's link.
    _append(3)
    event = Event.objects.get(seq=2)
    event.data = {"i": 99}
    _tamper(
        "UPDATE audit_event SET data = %s, hash = %s WHERE seq = 2",
        ['{"i": 99}', event.compute_hash()],
    )
    assert verify_chain().broken_seq == 3


@pytest.mark.django_db
@pytest.mark.parametrize("sql", ["UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"])
def test_database_refuses_update_and_delete(sql):
    _append(2)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert Event.objects.filter(action="test.thing").count() == 2


@pytest.mark.django_db(transaction=True)
def test_record_event_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        record_event("test.thing", ("test", "1"))
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_audit_verify_command_reports_success(capsys):
    _append(2)
    call_command("audit", "verify")
    assert "2" in capsys.readouterr().out


@pytest.mark.django_db
def test_verify_notices_a_head_that_does_not_match_the_last_event():
    _append(3)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_chainhead SET hash = %s", ["f" * 64])
    assert not verify_chain().ok


@pytest.mark.django_db
def test_verify_notices_a_missing_head():
    _append(2)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_chainhead")
    assert not verify_chain().ok


@pytest.mark.django_db
def test_floats_are_refused_and_decimals_stored_exactly():
    from decimal import Decimal

    with pytest.raises(TypeError), transaction.atomic():
        record_event("test.float", ("test", "1"), data={"score": 1e20})
    with transaction.atomic():
        event = record_event("test.decimal", ("test", "2"), data={"score": Decimal("85.25")})
    stored = Event.objects.get(pk=event.pk)
    assert stored.data == {"score": "85.25"}
    assert stored.compute_hash() == stored.hash


@pytest.mark.django_db
def test_the_hash_survives_the_database_round_trip_for_awkward_values():
    # Unicode, nesting, large integers, empty containers and timestamps, on either database.
    data = {
        "名称": "东湖区科技局",
        "n": 10**18,
        "neg": -1,
        "nested": {"a": [], "b": {}},
        "at": "2026-07-01T10:00:00+08:00",
        "text": '引号"与\\反斜杠',
    }
    with transaction.atomic():
        record_event("test.awkward", ("test", "3"), data=data)
    assert verify_chain().ok
