import pytest

pytestmark = pytest.mark.django_db


def test_the_api_needs_a_login(client, cast):
    assert client.get("/api/v1/campaigns/").status_code == 401


def test_the_organizer_lists_and_reads_campaigns(login, cast):
    client = login(cast.organizer)
    listing = client.get("/api/v1/campaigns/").json()
    assert listing["count"] == 1 and listing["items"][0]["code"] == "c-2026"
    detail = client.get("/api/v1/campaigns/c-2026").json()
    assert [p["kind"] for p in detail["phases"]][:2] == ["mobilize", "consult"]
    assert {t["unit"] for t in detail["targets"]} == {"county-a", "county-b", "county-c"}


def test_a_liaison_reads_only_its_own_target_and_unit(login, cast):
    client = login(cast.liaison)
    detail = client.get("/api/v1/campaigns/c-2026").json()
    assert [t["unit"] for t in detail["targets"]] == ["county-a"]
    assert client.get("/api/v1/units/county-a").status_code == 200
    assert client.get("/api/v1/units/county-b").status_code == 403
    assert client.get("/api/v1/units/nowhere").status_code == 404


def test_the_openapi_schema_is_published(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/campaigns/{code}" in schema["paths"]
