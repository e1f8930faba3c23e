"""The admin surface (issue 13, item 8): rq-dashboard refuses cross-site requests, the admin
token has a minimum length, per-business API tokens reach one organization only, no phone
number reaches the logs, and a business's access token goes only to Meta's hosts."""

from __future__ import annotations

import base64
import dataclasses
import logging

import pytest
from click.testing import CliRunner

from tests import webhooks
from tests.conftest import ADMIN_TOKEN, DATABASE_URL, REDIS_URL, SECRET_KEY
from yume.app import create_app
from yume.cli import main
from yume.config import Config, ConfigError
from yume.log_privacy import mask_phones
from yume.whatsapp.client import GraphTransport, WhatsAppClient, WhatsAppError

BASIC = {"Authorization": "Basic " + base64.b64encode(f"ops:{ADMIN_TOKEN}".encode()).decode()}
DASHBOARD_REDIS = REDIS_URL or "redis://127.0.0.1:6379/15"


@pytest.fixture
def dashboard(config):
    return create_app(dataclasses.replace(config, redis_url=DASHBOARD_REDIS)).test_client()


# -- rq-dashboard and cross-site requests -------------------------------------------------


def test_a_cross_site_request_to_the_dashboard_is_refused(dashboard):
    """Another site's page makes the ops person's browser (Basic credentials and all) try
    to requeue every failed job: by a form POST, or by an image's GET."""
    evil = {**BASIC, "Origin": "https://evil.example"}
    assert dashboard.post("/rq/requeue/failed", headers=evil).status_code == 403
    assert dashboard.post("/rq/job/x/delete", headers=evil).status_code == 403
    image = {**BASIC, "Referer": "https://evil.example/page", "Sec-Fetch-Site": "cross-site"}
    assert dashboard.get("/rq/requeue/failed", headers=image).status_code == 403
    unsaid = dashboard.post("/rq/queue/default/failed/empty", headers=BASIC)
    assert unsaid.status_code == 403  # a change that does not say where it comes from
    embedded = {**BASIC, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}
    assert dashboard.get("/rq/", headers=embedded).status_code == 403


def test_the_dashboard_still_works_for_its_own_pages_and_links(dashboard):
    followed = {**BASIC, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    assert dashboard.get("/rq/", headers=followed).status_code == 200  # a link from a chat
    assert dashboard.get("/rq/").status_code == 401  # and auth is still required


@pytest.mark.skipif(not REDIS_URL, reason="needs YUME_TEST_REDIS_URL: a real failed job")
def test_a_refused_requeue_changes_nothing_and_the_dashboard_own_one_works(dashboard, jobs):
    from rq import Queue
    from rq.registry import FailedJobRegistry

    queue = Queue("default", connection=jobs.queue.connection)
    job = queue.enqueue("jobs.maintenance.reconcile")
    job.set_status("failed")
    FailedJobRegistry(queue=queue).add(job, ttl=600)
    queue.remove(job)
    evil = {**BASIC, "Origin": "https://evil.example"}
    assert dashboard.post("/rq/requeue/default", headers=evil).status_code == 403
    assert job.id in FailedJobRegistry(queue=queue).get_job_ids()
    own = {**BASIC, "Origin": "http://localhost"}
    assert dashboard.post("/rq/requeue/default", headers=own).status_code == 200
    assert job.id not in FailedJobRegistry(queue=queue).get_job_ids()


# -- the admin token ----------------------------------------------------------------------


def test_a_short_admin_token_is_refused_loudly():
    with pytest.raises(ConfigError, match="at least 32 characters"):
        Config.from_env({"YUME_ADMIN_TOKEN": "contraseña123"})
    ok = Config.from_env({"YUME_ADMIN_TOKEN": "x" * 32})
    assert ok.admin_token == "x" * 32
    result = CliRunner().invoke(
        main, ["migrate"], env={"DATABASE_URL": DATABASE_URL, "YUME_ADMIN_TOKEN": "corto"}
    )
    assert result.exit_code != 0 and "YUME_ADMIN_TOKEN" in result.output


# -- per-business API tokens --------------------------------------------------------------


def make_token(org_id: int, name: str = "sitio web") -> str:
    result = CliRunner().invoke(
        main,
        ["tokens", "create", "--org", str(org_id), "--name", name],
        env={"DATABASE_URL": DATABASE_URL, "YUME_SECRET_KEY": SECRET_KEY},
    )
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def test_a_business_token_reads_and_writes_its_own_organization_only(client, cast):
    token = make_token(cast.org.id)
    own = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/organizations/{cast.org.id}", headers=own).status_code == 200
    created = client.post(
        f"/api/v1/organizations/{cast.org.id}/services",
        headers=own,
        json={"name": "Cejas", "duration_minutes": 15, "price_mxn": 80},
    )
    assert created.status_code == 201
    other = client.get(f"/api/v1/organizations/{cast.other_org.id}/customers", headers=own)
    assert other.status_code == 404 and other.get_json()["error"]["code"] == "not_found"
    new_business = client.post("/api/v1/organizations", headers=own, json={"name": "Otro"})
    assert new_business.status_code == 403
    assert new_business.get_json()["error"]["code"] == "forbidden"
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert (
        client.get(f"/api/v1/organizations/{cast.other_org.id}", headers=admin).status_code == 200
    )


def test_a_revoked_business_token_stops_working_at_once(client, cast):
    token = make_token(cast.org.id)
    runner, env = CliRunner(), {"DATABASE_URL": DATABASE_URL, "YUME_SECRET_KEY": SECRET_KEY}
    listed = runner.invoke(main, ["tokens", "list", "--org", str(cast.org.id)], env=env)
    assert "sitio web" in listed.output and "activo" in listed.output
    assert token not in listed.output  # the secret is shown once, at creation
    token_id = listed.output.split()[0]
    assert runner.invoke(main, ["tokens", "revoke", token_id], env=env).exit_code == 0
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/organizations/{cast.org.id}", headers=headers).status_code == 401


# -- no phone numbers in the logs ---------------------------------------------------------


def test_no_phone_number_reaches_the_logs(wa, cast, jobs, fake_graph, caplog):
    """A whole conversation at DEBUG (the SQL log quotes every phone it stores), a delivery
    for a number that is not ours, and a traceback quoting a phone."""
    with caplog.at_level(logging.DEBUG):
        webhooks.post(wa, webhooks.text("5215599998888", "quiero hablar con un humano"))
        webhooks.post(wa, webhooks.text("5215512345678", "hola", phone_number_id="999"))
        jobs.run()
        jobs.run()
        try:
            raise ValueError("duplicate key (phone)=(+525599998888)")
        except ValueError:
            logging.getLogger("yume.test").exception("a driver error quoting +52 55 9999 8888")
    assert 'INTO "conversation"' in caplog.text and "…8888" in caplog.text
    assert "webhook.unknown-number" in caplog.text
    for digits in ("5599998888", "5512345678", "55 9999 8888", "5511112222"):
        assert digits not in caplog.text


def test_the_masking_leaves_ids_and_dates_alone():
    assert mask_phones("to=+525512345678 y 5215512345678") == "to=…5678 y …5678"
    assert mask_phones("GET /customers?phone=%2B525512345678") == "GET /customers?phone=…5678"
    kept = "wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFDNBMDAwMDAw 2026-12-03 10:11:12 org=1001"
    assert mask_phones(kept) == kept


def test_a_meta_account_id_passed_as_such_is_logged_whole(caplog):
    """A WABA id has as many digits as a phone; ops need it whole (issue 10's lifecycle)."""
    from yume import log_privacy

    log_privacy.install()
    caplog.set_level(logging.INFO)
    logging.getLogger("yume.test").info(
        "waba=%s customer=%s", log_privacy.MetaId("102290129340398"), "5215512345678"
    )
    assert "waba=102290129340398 customer=…5678" in caplog.text


# -- the access token goes only to Meta ---------------------------------------------------


def test_a_media_link_outside_meta_never_gets_the_token(fake_graph):
    stray = fake_graph.url.replace("127.0.0.1", "localhost") + "/media/photo-1"
    fake_graph.add_media("photo-1", b"\xff\xd8jpeg", url=stray)
    client = WhatsAppClient(GraphTransport(fake_graph.url, "v23.0"), "1001", "token-1001")
    with pytest.raises(WhatsAppError, match="refusing to send the access token to localhost"):
        client.download_media("photo-1")
    assert [r.path for r in fake_graph.requests] == ["/v23.0/photo-1"]  # the link: not fetched
    fake_graph.add_media("photo-2", b"\xff\xd8jpeg")
    assert client.download_media("photo-2") == (b"\xff\xd8jpeg", "image/jpeg")


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1", True),
        ("https://scontent.xx.fbcdn.net/v/t45/ad.jpg", True),
        ("https://graph.facebook.com/v23.0/123", True),
        ("http://lookaside.fbsbx.com/x", False),  # not over TLS
        ("https://lookaside.fbsbx.com.evil.example/x", False),
        ("https://evil.example/fbsbx.com", False),
    ],
)
def test_the_token_goes_only_to_meta_hosts(url, allowed):
    assert GraphTransport("https://graph.facebook.com").may_carry_token(url) is allowed
