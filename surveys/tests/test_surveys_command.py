import csv
import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from surveys.models import Invitation, InvitationBatch
from surveys.tests.factories import open_questionnaire
from surveys.tokens import normalise, token_hash


def test_invite_writes_a_csv_whose_codes_match_the_stored_hashes(cast, tmp_path):
    open_questionnaire(cast.campaign)
    output = tmp_path / "b1.csv"
    call_command("surveys", "invite", "c-2026", "county-a", "--size", "4", "--output", str(output))
    rows = list(csv.DictReader(io.StringIO(output.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 4
    stored = set(Invitation.objects.values_list("token_hash", flat=True))
    assert {token_hash(normalise(row["code"])) for row in rows} == stored
    assert all(row["link"].startswith("http://127.0.0.1:8000/s/") for row in rows)


def test_invite_writes_a_zip_of_csv_and_cards(cast, tmp_path):
    open_questionnaire(cast.campaign)
    output = tmp_path / "b1.zip"
    call_command("surveys", "invite", "c-2026", "county-b", "--size", "2", "--output", str(output))
    assert sorted(zipfile.ZipFile(output).namelist()) == ["batch-1-cards.pdf", "batch-1.csv"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["atlantis", "--size", "2"], "atlantis"),
        (["county-a", "--size", "0"], "1"),
        (["county-a", "--size", "2", "--category", "外星人"], "外星人"),
    ],
)
def test_invite_refuses_bad_arguments_and_writes_nothing(cast, tmp_path, args, message):
    output = tmp_path / "out.csv"
    with pytest.raises(CommandError, match=message):
        call_command("surveys", "invite", "c-2026", *args, "--output", str(output))
    assert not output.exists()
    assert not InvitationBatch.objects.exists()


def test_invite_as_a_liaison_is_refused(cast, tmp_path):
    output = tmp_path / "out.csv"
    with pytest.raises(CommandError):
        call_command(
            "surveys",
            "invite",
            "c-2026",
            "county-a",
            "--size",
            "2",
            "--output",
            str(output),
            "--as",
            "liaison",
        )
    assert not InvitationBatch.objects.exists()


def test_a_file_that_cannot_be_written_keeps_no_batch(cast, tmp_path):
    open_questionnaire(cast.campaign)
    output = tmp_path / "missing-folder" / "b.csv"
    with pytest.raises(CommandError, match=r"b\.csv"):
        call_command(
            "surveys", "invite", "c-2026", "county-a", "--size", "2", "--output", str(output)
        )
    assert not InvitationBatch.objects.exists()


def test_the_codes_file_is_readable_by_its_owner_only(cast, tmp_path):
    open_questionnaire(cast.campaign)
    output = tmp_path / "b.csv"
    call_command("surveys", "invite", "c-2026", "county-a", "--size", "2", "--output", str(output))
    assert output.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["b.csv"]


def test_a_file_system_without_hard_links_still_gets_the_file(cast, tmp_path, monkeypatch):
    import os

    def no_links(source, target):
        raise PermissionError("operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    open_questionnaire(cast.campaign)
    output = tmp_path / "b.csv"
    call_command("surveys", "invite", "c-2026", "county-a", "--size", "2", "--output", str(output))
    assert output.stat().st_mode & 0o777 == 0o600
    assert len(output.read_text(encoding="utf-8-sig").splitlines()) == 3
    assert [p.name for p in tmp_path.iterdir()] == ["b.csv"]
