"""The onboarding job's steps, in order, each done once and recorded (reference §5.4):

1. `subscribe`: POST /{waba}/subscribed_apps, so the business's webhooks reach Yume.
2. `phone`: the number's id (listed from the WABA when the page's event had none: Meta's
   Coexistence example carries only `waba_id`), display number and verified name.
3. Coexistence: `sync_contacts` then `sync_history`, POST /{pnid}/smb_app_data, each ONCE
   (Meta allows a second call only after offboarding): a step is marked started before the
   call, so a crash or a lost answer never repeats it. A new number: `register` with a
   generated PIN, kept encrypted.
4. `attach`: the number becomes the business's (webhooks are routed by it).
5. `templates`: Yume's templates submitted for approval (yume.onboarding.templates).
6. connected, then `greeting`: the owner is greeted (yume.onboarding.greeting).

A transient Meta error raises `TryAgain` (the job is retried with backoff and resumes at the
step it stopped); a permanent one leaves the business degraded with the reason.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from yume.config import Config
from yume.db import database
from yume.log_privacy import MetaId
from yume.models import Organization, utcnow
from yume.onboarding import graph, greeting, links, templates
from yume.onboarding.models import (
    COEXISTENCE,
    CONNECTED,
    CONNECTING,
    DEGRADED,
    Connection,
)
from yume.whatsapp.client import GraphTransport, WhatsAppError

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=150)  # longer than the job's timeout: a crashed job's lease expires
STARTED = "started"


class TryAgain(Exception):
    """Meta said "not now" (or the answer was lost); the job's retry resumes here."""


class Stop(Exception):
    """A permanent problem: the business is degraded with `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Onboarding:
    connection: Connection
    org: Organization
    config: Config
    transport: GraphTransport
    now: datetime

    @property
    def token(self) -> str:
        return self.org.whatsapp_access_token or ""

    def done(self, step: str) -> bool:
        return step in (self.connection.steps or {})

    def record(self, step: str, value: str | None = None) -> None:
        steps = dict(self.connection.steps or {})
        steps[step] = value or utcnow().isoformat()
        self.connection.steps = steps
        Connection.update(steps=steps, updated_at=utcnow()).where(
            Connection.id == self.connection.id
        ).execute()

    def update(self, **fields: object) -> None:
        for name, value in fields.items():
            setattr(self.connection, name, value)
        Connection.update(updated_at=utcnow(), **fields).where(
            Connection.id == self.connection.id
        ).execute()


def onboard(connection_id: int, config: Config, now: datetime | None = None) -> str:
    """Run (or resume) the onboarding of one business; returns its state."""
    now = now or utcnow()
    if not _lease(connection_id, now):
        return "busy"
    try:
        connection = Connection.get_by_id(connection_id)
        if connection.state != CONNECTING:
            return connection.state  # finished, or disconnected meanwhile
        org = Organization.get_by_id(connection.organization_id)
        job = Onboarding(connection, org, config, GraphTransport.from_config(config), now)
        try:
            for name, step in plan(job):
                if not job.done(name):
                    step(job)
        except Stop as stop:
            _degrade(job, stop.reason)
            return DEGRADED
        _connected(job)
        return CONNECTED
    finally:
        Connection.update(lease_until=None).where(Connection.id == connection_id).execute()


def _lease(connection_id: int, now: datetime) -> bool:
    return (
        Connection.update(lease_until=now + LEASE, attempts=Connection.attempts + 1)
        .where(
            (Connection.id == connection_id)
            & (Connection.lease_until.is_null() | (Connection.lease_until < now))
        )
        .execute()
        == 1
    )


Step = Callable[[Onboarding], None]


def plan(job: Onboarding) -> list[tuple[str, Step]]:
    steps: list[tuple[str, Step]] = [("subscribe", subscribe), ("phone", read_number)]
    if job.connection.mode == COEXISTENCE:
        steps += [("sync_contacts", sync_contacts), ("sync_history", sync_history)]
    else:
        steps.append(("register", register))
    return steps + [("attach", attach), ("templates", submit_templates)]


def _call(job: Onboarding, what: str, call: Callable[[], object]) -> object:
    try:
        return call()
    except WhatsAppError as error:
        log.warning("onboarding.%s-failed org=%s %s", what, job.org.id, error)
        if error.retryable or error.ambiguous:
            raise TryAgain(str(error)) from error
        raise Stop(_reason(what, error)) from error


def _reason(what: str, error: WhatsAppError) -> str:
    code = f" (código {error.code})" if error.code else ""
    if error.code == 190:
        return "Facebook ya no acepta nuestro permiso; hay que volver a conectar." + code
    return f"Meta rechazó el paso «{what}»{code}: {error.title}"


def subscribe(job: Onboarding) -> None:
    waba = job.connection.waba_id or ""
    _call(job, "suscripción", lambda: graph.subscribe_app(job.transport, waba, job.token))
    job.record("subscribe")


def read_number(job: Onboarding) -> None:
    pnid = job.connection.phone_number_id
    if not pnid:
        waba = job.connection.waba_id or ""
        numbers = _call(job, "números", lambda: graph.phone_numbers(job.transport, waba, job.token))
        if not numbers:
            raise Stop("Tu cuenta de WhatsApp Business no tiene ningún número todavía.")
        pnid = str(numbers[0]["id"])  # type: ignore[index]
        job.update(phone_number_id=pnid)
    info = _call(job, "número", lambda: graph.phone_number(job.transport, pnid, job.token))
    assert isinstance(info, dict)
    job.update(
        display_phone_number=str(info.get("display_phone_number") or "")[:40] or None,
        verified_name=str(info.get("verified_name") or "")[:120] or None,
    )
    job.record("phone")


def _sync_once(job: Onboarding, step: str, sync_type: str) -> None:
    if (job.connection.steps or {}).get(step) == STARTED:
        # asked before and the answer was lost: Meta allows it once, so never again
        log.warning("onboarding.sync-unconfirmed org=%s step=%s", job.org.id, step)
        job.record(step, "sin confirmar")
        return
    job.record(step, STARTED)
    pnid = job.connection.phone_number_id or ""
    try:
        request_id = graph.sync_app_data(job.transport, pnid, job.token, sync_type)
    except WhatsAppError as error:
        if error.retryable:  # Meta did not take it: it may be asked again
            steps = dict(job.connection.steps)
            steps.pop(step, None)
            job.update(steps=steps)
            raise TryAgain(str(error)) from error
        log.warning("onboarding.sync-failed org=%s %s %s", job.org.id, sync_type, error)
        job.record(step, f"error {error.code}")
        return  # contacts or history missing is no reason to stop Yume answering
    job.record(step, f"request {request_id}")


def sync_contacts(job: Onboarding) -> None:
    _sync_once(job, "sync_contacts", "smb_app_state_sync")


def sync_history(job: Onboarding) -> None:
    _sync_once(job, "sync_history", "history")


def register(job: Onboarding) -> None:
    pin = job.connection.registration_pin
    if not pin:
        pin = f"{secrets.randbelow(10**6):06d}"
        job.update(registration_pin=pin)
    pnid = job.connection.phone_number_id or ""
    _call(job, "registro", lambda: graph.register_number(job.transport, pnid, job.token, pin))
    job.record("register")


def attach(job: Onboarding) -> None:
    pnid = job.connection.phone_number_id
    taken = Organization.get_or_none(
        (Organization.whatsapp_phone_number_id == pnid) & (Organization.id != job.org.id)
    )
    if taken is not None:
        raise Stop("Ese número ya está conectado a otro negocio en Yume.")
    Organization.update(
        whatsapp_phone_number_id=pnid, whatsapp_business_account_id=job.connection.waba_id
    ).where(Organization.id == job.org.id).execute()
    job.org = Organization.get_by_id(job.org.id)
    job.record("attach")


def submit_templates(job: Onboarding) -> None:
    templates.submit_all(job.org, job.transport, job.connection.waba_id or "", job.token)
    job.record("templates")


def _connected(job: Onboarding) -> None:
    now = utcnow()
    with database.atomic():
        job.update(state=CONNECTED, reason="", connected_at=job.connection.connected_at or now)
        links.mark_used(job.org, now)
    log.info("onboarding.connected org=%s waba=%s", job.org.id, MetaId(job.connection.waba_id))
    if not job.done("greeting"):
        greeting.greet_owner(job.org, job.config, now)
        job.record("greeting")


def _degrade(job: Onboarding, reason: str) -> None:
    job.update(state=DEGRADED, reason=reason)
    log.warning("onboarding.degraded org=%s reason=%s", job.org.id, reason)
