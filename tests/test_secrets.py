"""YUME_SECRET_KEY: access tokens encrypted at rest, the migration that encrypts old ones,
and the production processes refusing to start without the key."""

from __future__ import annotations

import importlib

import pytest
from click.testing import CliRunner

from tests.conftest import AUTH, SECRET_KEY
from yume import crypto
from yume.cli import main
from yume.config import Config, ConfigError
from yume.db import database
from yume.models import Organization

RAW_TOKEN = "EAAGtest-very-secret-token"


def stored_token(org_id: int) -> str | None:
    row = database.execute_sql(
        f"SELECT whatsapp_access_token FROM organization WHERE id = {database.param}", (org_id,)
    ).fetchone()
    return row[0]


def test_it_encrypts_a_token_typed_through_the_api(client):
    answer = client.post(
        "/api/v1/organizations",
        json={"name": "Salón Rosa", "whatsapp_phone_number_id": "777", **{}},
        headers=AUTH,
    )
    org_id = answer.get_json()["id"]
    client.patch(
        f"/api/v1/organizations/{org_id}", json={"whatsapp_access_token": RAW_TOKEN}, headers=AUTH
    )
    raw = stored_token(org_id)
    assert raw and RAW_TOKEN not in raw and crypto.is_encrypted(raw)
    assert Organization.get_by_id(org_id).whatsapp_access_token == RAW_TOKEN


def test_the_migration_encrypts_clear_text_tokens_once(cast):
    database.execute_sql(
        f"UPDATE organization SET whatsapp_access_token = {database.param} WHERE id = "
        f"{database.param}",
        (RAW_TOKEN, cast.org.id),
    )
    migration = importlib.import_module("migrations.0007_onboarding")
    migration.up(None, database.obj)
    once = stored_token(cast.org.id)
    migration.up(None, database.obj)
    assert stored_token(cast.org.id) == once  # already encrypted: left alone
    assert RAW_TOKEN not in once and Organization.get_by_id(cast.org.id).whatsapp_access_token == (
        RAW_TOKEN
    )


def test_a_token_from_another_key_reads_as_missing_and_never_crashes(cast, caplog):
    crypto.use_key(crypto.new_key())
    try:
        assert Organization.get_by_id(cast.org.id).whatsapp_access_token is None
    finally:
        crypto.use_key(SECRET_KEY)
    assert "crypto.undecryptable" in caplog.text


def test_an_old_key_still_decrypts_after_rotation(cast):
    crypto.use_key(f"{crypto.new_key()},{SECRET_KEY}")
    try:
        assert Organization.get_by_id(cast.org.id).whatsapp_access_token == "token-1001"
    finally:
        crypto.use_key(SECRET_KEY)


def test_anything_but_a_token_of_ours_is_invalid_token():
    assert crypto.decrypt(crypto.encrypt("token-ñ")) == "token-ñ"
    for value in ("gAAAAA-not-really", "texto en claro", "gAAAAAñ"):
        with pytest.raises(crypto.InvalidToken):
            crypto.decrypt(value)


def test_a_short_key_is_a_clear_error():
    with pytest.raises(ConfigError, match="YUME_SECRET_KEY must be a Fernet key or a secret"):
        crypto.use_key("not-a-key")


def test_a_platform_generated_secret_works_as_the_key(cast):
    """app.json's generator (and `secrets.token_hex(32)`) gives 64 hex characters, not a
    Fernet key: a Fernet key is derived from it, and the same secret reads tokens back."""
    platform_secret = "9f" * 32
    crypto.use_key(platform_secret)
    try:
        Organization.update(whatsapp_access_token="token-from-heroku").where(
            Organization.id == cast.org.id
        ).execute()
        crypto.use_key(platform_secret)
        assert Organization.get_by_id(cast.org.id).whatsapp_access_token == "token-from-heroku"
        with pytest.raises(ConfigError):
            crypto.use_key("9f" * 8)
    finally:
        crypto.use_key(SECRET_KEY)


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["web"], {}),
        (["worker"], {"REDIS_URL": "redis://127.0.0.1:1/0"}),
        (["scheduler"], {"REDIS_URL": "redis://127.0.0.1:1/0"}),
        (["migrate"], {"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nothing"}),
    ],
)
def test_production_processes_refuse_to_start_without_the_key(args, env):
    result = CliRunner().invoke(main, args, env={"YUME_SECRET_KEY": "", **env})
    assert result.exit_code != 0
    assert "YUME_SECRET_KEY is not set" in result.output


def test_the_embedded_default_needs_no_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = Config(database_url=f"sqlite:///{tmp_path}/yume.db")
    assert not config.production
    crypto.configure(config)  # no error: demo, serve and chat work with no keys set
    key = crypto._dev_key(tmp_path / crypto.DEV_KEY_FILE)
    assert crypto._dev_key(tmp_path / crypto.DEV_KEY_FILE) == key  # made once, then kept
    assert oct((tmp_path / crypto.DEV_KEY_FILE).stat().st_mode & 0o777) == "0o600"


def test_secret_key_command_prints_a_usable_key():
    result = CliRunner().invoke(main, ["secret-key"])
    assert result.exit_code == 0
    crypto.use_key(result.output.strip())
    crypto.use_key(SECRET_KEY)
