import threading

import pytest
from django.db import connection, transaction

from audit.models import Event
from audit.record import record_event
from audit.verify import verify_chain

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent writers need PostgreSQL"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    # given four writers appending at once
    per_thread, threads, errors = 15, 4, []
    barrier = threading.Barrier(threads)

    def writer(n: int):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    record_event("test.concurrent", ("writer", f"{n}-{i}"))
        except Exception as exc:
            errors.append(exc)
        finally:
            thread_connection.close()

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    # then every event landed once, in one gap-free chain
    assert errors == []
    assert Event.objects.count() == per_thread * threads
    report = verify_chain()
    assert report.ok and report.checked == per_thread * threads
