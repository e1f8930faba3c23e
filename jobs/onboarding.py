"""Onboarding jobs: connecting a business after the connect page's FINISH, and sending the
owner's greeting once its template is approved (yume/onboarding/)."""

from __future__ import annotations

from jobs.runtime import current
from yume.db import database
from yume.models import Organization
from yume.onboarding import greeting, steps

JOB = "jobs.onboarding.onboard"


def onboard(connection_id: int) -> str:
    """Run or resume the onboarding steps; a transient Meta error fails the job so RQ
    retries it with backoff, and it resumes at the step it stopped."""
    config = current()
    with database.connection_context():
        return steps.onboard(connection_id, config)


def send_waiting_greeting(org_id: int) -> int:
    config = current()
    with database.connection_context():
        org = Organization.get_or_none(Organization.id == org_id)
        return greeting.send_waiting_greeting(org, config) if org else 0
