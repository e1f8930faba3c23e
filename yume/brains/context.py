"""What every step of the guided brain works with: the turn, the state, the business."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from yume.booking import get_or_create_customer
from yume.brain import Turn
from yume.brains.state import FlowState
from yume.business_hours import weekly_hours
from yume.formatting import spanish_date, spanish_time
from yume.models import Customer, Organization, ServiceType, Staff
from yume.nlu.services import match_services
from yume.nlu.when import BusinessClock, When, read_when
from yume.timeutil import zone


@dataclass(frozen=True)
class Said:
    """One inbound message, reduced to what the guided brain reacts to."""

    kind: str  # text | tap | voice | media | sticker | location | other
    text: str = ""
    reply_id: str | None = None
    message_id: str | None = None


class Ctx:
    def __init__(self, turn: Turn, state: FlowState) -> None:
        self.turn = turn
        self.state = state
        self.org: Organization = turn.organization
        self.now: datetime = turn.now
        self.tz: ZoneInfo = zone(self.org.timezone)
        self.question = False  # the message being answered is a question ("¿…?")
        self.raw = ""  # the message being answered, as written

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.tz)

    @property
    def today(self) -> date:
        return self.local_now.date()

    @property
    def staff(self) -> Staff | None:
        return self.turn.staff

    @property
    def is_owner(self) -> bool:
        return self.turn.role == "owner"

    @cached_property
    def customer(self) -> Customer:
        if self.turn.customer is not None:
            return self.turn.customer
        conversation = self.turn.conversation
        return get_or_create_customer(self.org, conversation.phone, conversation.profile_name)

    @cached_property
    def services(self) -> list[ServiceType]:
        return list(
            ServiceType.select()
            .where((ServiceType.organization == self.org) & ServiceType.active)
            .order_by(ServiceType.id)
        )

    def service(self, service_id: int | None) -> ServiceType | None:
        return next((s for s in self.services if s.id == service_id), None)

    def match_services(self, text: str) -> list[int]:
        """The business's services that `text` names, best first (ids)."""
        return match_services(text, [(s.id, s.name) for s in self.services])

    @cached_property
    def team(self) -> dict[int, Staff]:
        members = Staff.select().where((Staff.organization == self.org) & Staff.active)
        return {member.id: member for member in members.order_by(Staff.id)}

    @cached_property
    def hours(self) -> dict[int, list[tuple[int, int]]]:
        """Opening hours; without them, when anyone works; without that, a default."""
        return weekly_hours(self.org)

    @property
    def clock(self) -> BusinessClock:
        return BusinessClock(self.local_now, self.hours)

    def when(self, text: str) -> When | None:
        return read_when(text, self.clock)

    def day_name(self, day: date) -> str:
        """'hoy, miércoles 13 de enero', 'mañana, jueves 14 de enero', 'viernes 15 de enero'."""
        if day == self.today:
            return f"hoy, {spanish_date(day)}"
        if day == self.today + timedelta(days=1):
            return f"mañana, {spanish_date(day)}"
        return spanish_date(day)

    def on_day(self, day: date) -> str:
        """The day with its article: 'hoy, …', 'mañana, …' or 'el viernes 15 de enero'."""
        name = self.day_name(day)
        return name if day <= self.today + timedelta(days=1) else f"el {name}"

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.tz)

    def moment(self, instant: datetime) -> str:
        """'el viernes 15 de enero a las 4:00 PM' (or 'hoy, … a las …')."""
        local = self.local(instant)
        article = "a la" if local.hour % 12 == 1 else "a las"
        return f"{self.on_day(local.date())} {article} {clock(local)}"


def clock(local: datetime) -> str:
    """'4:00 PM' (a la 1:00 PM: the article is the caller's business)."""
    return spanish_time(local.replace(tzinfo=None))
