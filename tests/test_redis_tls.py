"""Managed Redis over TLS (`rediss://`), as Heroku's Key-Value Store serves it: a private
redis-server started here on a TLS-only port with a self-signed certificate. Every Redis
user goes through yume.redis_connection: the web's queue, the worker, the scheduler, the
rq-dashboard at /rq and /health. REDIS_TLS_VERIFY=0 accepts the self-signed certificate; the
default refuses it."""

from __future__ import annotations

import base64
import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from tests.conftest import DATABASE_URL, REDIS_URL, SECRET_KEY
from tests.tls import TlsRedis, tls_redis_server
from yume.app import create_app
from yume.config import Config, ConfigError
from yume.queue import RedisQueue
from yume.redis_connection import connect, with_tls_verify

ROOT = Path(__file__).resolve().parent.parent
# the PostgreSQL + Redis pass, where CI guarantees redis-server is installed
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs YUME_TEST_REDIS_URL (CI's pass)")


@pytest.fixture(scope="module")
def tls_redis(tmp_path_factory) -> TlsRedis:
    with tls_redis_server(tmp_path_factory.mktemp("tls-redis")) as server:
        yield server


def from_env(url: str, **more: str) -> Config:
    from tests.conftest import ADMIN_TOKEN

    return Config.from_env(
        {"DATABASE_URL": DATABASE_URL, "REDIS_URL": url, "YUME_ADMIN_TOKEN": ADMIN_TOKEN, **more}
    )


# -- the setting --------------------------------------------------------------------------


def test_it_turns_verification_off_only_for_rediss_when_told():
    url = "rediss://:secret@example.test:6380/0"
    assert with_tls_verify(url, True) == url
    assert with_tls_verify(url, False) == url + "?ssl_cert_reqs=none"
    assert with_tls_verify("redis://127.0.0.1:6379/0", False) == "redis://127.0.0.1:6379/0"
    explicit = url + "?ssl_cert_reqs=required&ssl_ca_certs=%2Fetc%2Fca.pem"
    assert with_tls_verify(explicit, False) == explicit  # the URL's own choice stands
    assert with_tls_verify(url + "?health_check_interval=5", False) == (
        url + "?health_check_interval=5&ssl_cert_reqs=none"
    )


def test_redis_tls_verify_is_on_by_default_and_refuses_nonsense():
    url = "rediss://example.test:6380/0"
    assert Config.from_env({"REDIS_URL": url}).redis_url == url
    assert Config.from_env({"REDIS_URL": url, "REDIS_TLS_VERIFY": "0"}).redis_url.endswith(
        "?ssl_cert_reqs=none"
    )
    assert Config.from_env({"REDIS_URL": url, "REDIS_TLS_VERIFY": "off"}).redis_url != url
    assert Config.from_env({"REDIS_URL": url, "REDIS_TLS_VERIFY": "true"}).redis_url == url
    with pytest.raises(ConfigError, match="REDIS_TLS_VERIFY"):
        Config.from_env({"REDIS_URL": url, "REDIS_TLS_VERIFY": "maybe"})


# -- against a real TLS Redis ---------------------------------------------------------------


@needs_redis
def test_it_refuses_a_self_signed_certificate_by_default(tls_redis):
    config = from_env(tls_redis.url())
    with pytest.raises(redis.ConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        connect(config.redis_url).ping()
    app = create_app(config)
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["redis"]


@needs_redis
def test_it_verifies_against_a_ca_given_in_the_url(tls_redis):
    ca = tls_redis.certificate.cert
    client = connect(from_env(f"{tls_redis.url()}?ssl_ca_certs={ca}").redis_url)
    assert client.ping() is True
    connection = client.connection_pool.get_connection()
    try:
        assert connection.cert_reqs == ssl.CERT_REQUIRED
    finally:
        client.connection_pool.release(connection)


@needs_redis
def test_health_and_the_dashboard_work_over_tls_without_verification(tls_redis):
    config = from_env(tls_redis.url(), REDIS_TLS_VERIFY="0")
    app = create_app(config)
    client = app.test_client()
    health = client.get("/health")
    assert health.status_code == 200, health.get_json()
    assert health.get_json()["checks"] == {"database": "ok", "journal": "ok", "redis": "ok"}
    auth = {
        "Authorization": "Basic " + base64.b64encode(f"ops:{config.admin_token}".encode()).decode()
    }
    RedisQueue(config.redis_url).enqueue("yume.queue.resolve", "json.dumps")
    assert client.get("/rq/", headers=auth).status_code == 200
    queues = client.get("/rq/0/data/queues.json", headers=auth)
    assert queues.status_code == 200
    counts = {q["name"]: q["count"] for q in queues.get_json()["queues"]}
    assert counts["default"] >= 1


@needs_redis
def test_the_dashboard_says_404_for_a_redis_instance_it_has_not_got():
    config = from_env(REDIS_URL or "")
    client = create_app(config).test_client()
    auth = {
        "Authorization": "Basic " + base64.b64encode(f"ops:{config.admin_token}".encode()).decode()
    }
    assert client.get("/rq/0/data/queues.json", headers=auth).status_code == 200
    assert client.get("/rq/5/data/queues.json", headers=auth).status_code == 404


@needs_redis
def test_the_queue_worker_and_scheduler_run_a_job_over_tls(tls_redis, tmp_path):
    """The web's queue enqueues over TLS; `python -m yume scheduler` moves a delayed job and
    registers the periodic ones; `python -m yume worker` runs them all (both in burst mode,
    as the Procfile starts them, with REDIS_TLS_VERIFY=0 in their environment)."""
    from rq import Queue

    from jobs.periodic import PERIODIC_JOBS
    from yume.queue import QUEUE_NAME

    url = tls_redis.url(2)
    config = from_env(url, REDIS_TLS_VERIFY="0")
    queue = RedisQueue(config.redis_url)
    queue.connection.flushdb()
    marker = tmp_path / "ran"
    queue.enqueue("pathlib.Path.touch", marker)
    queue.enqueue("pathlib.Path.mkdir", tmp_path / "later", delay=0.01)
    time.sleep(1.1)  # RQ's delayed jobs are due by the second
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "YUME_"))},
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": url,
        "REDIS_TLS_VERIFY": "0",
        "YUME_SECRET_KEY": SECRET_KEY,
        "PYTHONPATH": str(ROOT),
    }
    for command in ("scheduler", "worker"):
        done = subprocess.run(
            [sys.executable, "-m", "yume", command, "--burst"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    default = Queue(QUEUE_NAME, connection=queue.connection)
    finished = set(default.finished_job_registry.get_job_ids())
    assert {job.job_id for job in PERIODIC_JOBS} <= finished  # the scheduler's own jobs too
    # the two enqueued above, besides what the scheduler asked for (its periodic jobs, and the
    # reconcilers it asks for at once when it finds Redis empty, issue 13); none failed
    assert len(finished) >= 2 + len(PERIODIC_JOBS)
    assert default.failed_job_registry.count == 0
    assert marker.exists() and (tmp_path / "later").is_dir()
    assert queue.connection.connection_pool.connection_class is redis.SSLConnection
