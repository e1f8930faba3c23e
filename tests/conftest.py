"""Test wiring: a real database (SQLite by default, PostgreSQL when
YUME_TEST_DATABASE_URL says so), cleaned before every test, and the shared cast."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.cast import Cast
from yume import crypto
from yume.app import create_app
from yume.config import Config
from yume.db import database, is_sqlite, open_database
from yume.migrations import migrate

ADMIN_TOKEN = "test-admin-token-long-enough-for-yume"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
SECRET_KEY = "bSsSwxTrRbJgG0Hn_yWm9r6fRpzE2sPXTAcmZcn7eZA="  # a Fernet key for tests only
crypto.use_key(SECRET_KEY)


def _database_url() -> str:
    url = os.environ.get("YUME_TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="yume-test-"), "test.db")


DATABASE_URL = _database_url()
REDIS_URL = os.environ.get("YUME_TEST_REDIS_URL") or None


@pytest.fixture(scope="session", autouse=True)
def _schema() -> Iterator[None]:
    """Migrate once; a database that cannot be reached fails the run, never skips it."""
    db = open_database(DATABASE_URL)
    db.connect()
    if not is_sqlite():
        tables = db.get_tables()
        if tables:
            db.execute_sql(f"DROP TABLE IF EXISTS {', '.join(tables)} CASCADE")
    migrate(db)
    if REDIS_URL:
        from redis import Redis

        Redis.from_url(REDIS_URL).ping()
    db.close()
    yield


def clean_database() -> None:
    """Empty every table the migrations made (whoever's models they belong to)."""
    tables = [t for t in database.get_tables() if t != "schema_migration"]
    if is_sqlite():
        database.execute_sql("PRAGMA foreign_keys = OFF")
        for table in tables:
            database.execute_sql(f"DELETE FROM {table}")
        database.execute_sql("PRAGMA foreign_keys = ON")
    else:  # DELETE is ~6x faster than TRUNCATE on tables this small; FK checks off meanwhile
        with database.atomic():
            database.execute_sql("SET LOCAL session_replication_role = replica")
            for table in tables:
                database.execute_sql(f"DELETE FROM {table}")
                database.execute_sql(f"ALTER SEQUENCE IF EXISTS {table}_id_seq RESTART")


@pytest.fixture(autouse=True)
def db() -> Iterator[None]:
    """A clean database, and a queue that only runs what a test asks it to run."""
    from yume.queue import RecordingQueue, set_queue

    set_queue(RecordingQueue())
    open_database(DATABASE_URL)
    database.connect(reuse_if_open=True)
    clean_database()
    yield
    set_queue(None)
    if not database.is_closed():
        database.close()


@pytest.fixture
def config() -> Config:
    return Config(
        database_url=DATABASE_URL,
        redis_url=REDIS_URL,
        admin_token=ADMIN_TOKEN,
        secret_key=SECRET_KEY,
    )


@pytest.fixture
def app(config: Config) -> Flask:
    app = create_app(config)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def cast() -> Cast:
    return Cast()


# -- the WhatsApp pipeline ----------------------------------------------------------------

from tests.fixtures_graph import fake_graph, fake_graph_server  # noqa: E402, F401


class JobRunner:
    """Runs what the code enqueued: a real RQ SimpleWorker on Redis when the suite has one
    (CI), the recording queue otherwise. Failed jobs are counted, as a worker would."""

    def __init__(self, redis_url: str | None) -> None:
        from yume.queue import RecordingQueue, RedisQueue, set_queue

        self.redis_url = redis_url
        if redis_url:
            self.queue = RedisQueue(redis_url)
            self.queue.connection.flushdb()
        else:
            self.queue = RecordingQueue()
        set_queue(self.queue)
        self.failures: list[BaseException] = []

    def run(self) -> int:
        """Run every job due now; return how many ran. Jobs enqueued with a delay wait, as
        they wait in RQ's scheduled registry (a job that comes back later never loops)."""
        if not self.redis_url:
            ran = 0
            while any(delay <= 0 for _job, _args, delay in self.queue.jobs):
                due = next(i for i, (_j, _a, delay) in enumerate(self.queue.jobs) if delay <= 0)
                job, args, _delay = self.queue.jobs.pop(due)
                ran += 1
                try:
                    from yume.queue import resolve

                    resolve(job)(*args)
                except Exception as exc:
                    self.failures.append(exc)
            return ran
        from rq import SimpleWorker

        def record(job, exc_type, exc_value, traceback) -> bool:  # noqa: ANN001
            self.failures.append(exc_value)
            return True  # and let RQ do what it does (retry later, or fail)

        worker = SimpleWorker(
            [self.queue.queue], connection=self.queue.connection, exception_handlers=[record]
        )
        worker.work(burst=True)
        return worker.successful_job_count + worker.failed_job_count

    def ingest(self) -> dict[str, int]:
        """Ingest the webhook journal now, as the job the webhook asked for would, and drop
        that job: what is left queued is only what the deliveries called for."""
        from jobs.ingest import JOB, ingest_webhooks

        outcome = ingest_webhooks()
        if self.redis_url:
            for job in self.queue.queue.jobs:
                if job.func_name == JOB:
                    self.queue.queue.remove(job)
        else:
            self.queue.jobs = [queued for queued in self.queue.jobs if queued[0] != JOB]
        return outcome

    def pending(self) -> int:
        if self.redis_url:
            return self.queue.queue.count
        return len(self.queue.jobs)


@pytest.fixture
def pipeline_config(config: Config, fake_graph) -> Config:  # noqa: F811
    import dataclasses

    from tests.webhooks import APP_SECRET

    return dataclasses.replace(
        config,
        meta_app_secret=APP_SECRET,
        meta_verify_token="verify-me",
        meta_graph_url=fake_graph.url,
        quiet_seconds=0,
    )


@pytest.fixture
def jobs(pipeline_config: Config, monkeypatch: pytest.MonkeyPatch) -> Iterator[JobRunner]:
    from jobs.runtime import use_config
    from tests.brains import EchoBrain
    from yume.delivery import set_transport_factory
    from yume.queue import set_queue

    monkeypatch.setenv("YUME_BRAIN", "tests.brains.EchoBrain")
    EchoBrain.turns.clear()
    use_config(pipeline_config)
    set_transport_factory(None)
    runner = JobRunner(REDIS_URL)
    yield runner
    set_queue(None)


@pytest.fixture
def wa(pipeline_config: Config, jobs: JobRunner) -> FlaskClient:
    """A test client of an app configured for webhooks, with jobs and the fake Graph API."""
    app = create_app(pipeline_config)
    app.config["TESTING"] = True
    return app.test_client()
