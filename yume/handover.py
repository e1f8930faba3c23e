"""Handing a conversation to a person of the team, and giving it back to Yume: one state
machine for both brains, applied by the pipeline (jobs/inbound.py) around whichever brain
answered.

A customer's conversation is in one of three states:

- **Yume answers**: nobody was asked for, nothing is paused.
- **Waiting for a person** (`Conversation.handover_at`): the brain handed over (the customer
  asked for a person, Claude called request_human, or the guided brain stopped
  understanding). The customer is told when someone will answer, by the business's hours;
  the owner gets an alert quoting what the customer wrote, with the buttons "Yo le
  contesto" / "Que siga Yume". Until a person actually answers, every later message gets
  a short note: silence is never the answer. "hola" or "menú" gives the customer Yume
  back. After `WAIT_EXPIRY` with nobody answering, Yume simply answers again.
- **A person has it** (`Conversation.paused_until` ahead): the owner wrote in the chat (an
  echo, `conversations.takeover`), tapped "Yo le contesto", or paused it from their own chat
  ("pausa a Ana", yume/owner_controls.py) or with `/pausa` in the customer's chat. Yume
  stays quiet until the pause ends, "reanuda a Ana", "Que siga Yume" or `/yume`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from yume import conversations, delivery
from yume.brain import Buttons, Text
from yume.business_hours import next_opening, open_now, weekly_hours
from yume.db import database
from yume.formatting import minute_clock, spanish_date
from yume.models import Conversation, Message, Organization
from yume.nlu import intents as nlu
from yume.notifications import owner_of, template_safe
from yume.onboarding.templates import blocked_reason
from yume.phones import display_phone
from yume.templates import HANDOVER_ALERT, HANDOVER_BUTTONS, OWNER_ALERT, Template
from yume.timeutil import zone
from yume.whatsapp.client import WhatsAppClient

ANSWER_WITHIN = timedelta(hours=1)  # what we tell customers while the business is open
WAIT_EXPIRY = timedelta(hours=12)  # nobody came: Yume answers again
QUOTED = 3  # how many of the customer's last messages the owner's alert quotes
QUOTE_AGE = timedelta(hours=6)
NOTE_AGAIN = timedelta(minutes=10)  # within this, a repeated note is the short one
URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
TAKE, GIVE_BACK = "own:take", "own:yume"  # the alert's button ids, + ":<conversation id>"


# -- what the customer is told --------------------------------------------------------------


def wait_phrase(org: Organization, now: datetime) -> str:
    """When someone of the team will answer, by the business's hours: 'en menos de una
    hora', 'hoy antes de las 8:00 PM o, si no alcanzan, mañana…', 'el lunes … a partir de
    las 10:00 AM'."""
    hours = weekly_hours(org)
    local = now.astimezone(zone(org.timezone))
    minute = local.hour * 60 + local.minute
    span = open_now(hours, local)
    after_closing = next_opening(hours, local.replace(hour=23, minute=59))
    later = _opening_phrase(local, after_closing) if after_closing else "en cuanto puedan"
    if span is not None:
        if span[1] - minute >= ANSWER_WITHIN.total_seconds() // 60:
            return "en menos de una hora"
        return f"hoy antes de las {minute_clock(span[1])} o, si no alcanzan, {later}"
    opening = next_opening(hours, local)
    return _opening_phrase(local, opening) if opening else "en cuanto puedan"


def _opening_phrase(local: datetime, opening: tuple) -> str:
    day, minute = opening
    article = "la" if minute // 60 % 12 == 1 else "las"
    at = f"a partir de {article} {minute_clock(minute)}"
    if day == local.date():
        return f"hoy {at}"
    if day == local.date() + timedelta(days=1):
        return f"mañana, {spanish_date(day)}, {at}"
    return f"el {spanish_date(day)} {at}"


def handed_over_line(org: Organization, now: datetime) -> str:
    return (
        f"⏱️ Alguien del equipo te contesta por aquí {wait_phrase(org, now)}. Mientras, si "
        "quieres seguir conmigo, escribe «menú» 🙂"
    )


# -- the states -------------------------------------------------------------------------------


def is_waiting(conversation: Conversation, now: datetime) -> bool:
    since = conversation.handover_at
    return since is not None and now - since < WAIT_EXPIRY


def hand_over(
    conversation: Conversation, reason: str, now: datetime, customer_line: bool = True
) -> int | None:
    """The brain handed over: wait for a person, tell the customer when, alert the owner.
    Call inside the turn's transaction; returns the owner's conversation id to deliver."""
    org: Organization = conversation.organization
    if conversation.staff_id is not None:  # someone of the team asked: just tell the owner
        return _alert(conversation, reason, now, "")
    Conversation.update(handover_at=now).where(Conversation.id == conversation.id).execute()
    conversation.handover_at = now
    if customer_line:
        delivery.queue_action(conversation, Text(handed_over_line(org, now)), now)
    return _alert(conversation, reason, now, wait_phrase(org, now))


def take(conversation: Conversation, now: datetime, until: datetime | None = None) -> None:
    """A person has it now: Yume stays quiet for takeover_minutes (or until `until`)."""
    minutes = int(conversation.organization.setting("takeover_minutes"))
    paused_until = until or now + timedelta(minutes=minutes)
    Conversation.update(paused_until=paused_until, handover_at=None).where(
        Conversation.id == conversation.id
    ).execute()
    conversation.paused_until, conversation.handover_at = paused_until, None


def give_back(conversation: Conversation) -> None:
    """Yume answers this conversation again."""
    Conversation.update(paused_until=None, handover_at=None).where(
        Conversation.id == conversation.id
    ).execute()
    conversation.paused_until, conversation.handover_at = None, None


def answer_waiting(
    conversation: Conversation, pending: list[Message], client: WhatsAppClient, now: datetime
) -> list[Message]:
    """While the customer waits for a person: a short note to what they write (sent here),
    or, on "hola"/"menú", Yume back. Returns what the brain should still answer."""
    if conversation.handover_at is None:
        return pending
    if not is_waiting(conversation, now) or any(_wants_yume(m) for m in pending):
        give_back(conversation)
        return pending
    with database.atomic():
        if not conversations.claim_inbound(pending, now):
            return []
        delivery.queue_action(conversation, Text(_waiting_note(conversation, now)), now)
    delivery.mark_read(client, pending[-1])
    delivery.deliver(conversation, client, now)
    return []


def _wants_yume(message: Message) -> bool:
    if (message.payload or {}).get("reply_id") == "m:menu":
        return True
    text = (message.text or "").strip()
    return message.kind == "text" and (nlu.is_only_greeting(text) or nlu.MENU in nlu.intents(text))


def _waiting_note(conversation: Conversation, now: datetime) -> str:
    recently = Message.select().where(
        (Message.conversation == conversation.id)
        & (Message.direction == "out")
        & (Message.author == "yume")
        & (Message.created_at > now - NOTE_AGAIN)
        & (Message.text.contains("escribe «menú»"))
    )
    if recently.exists():
        return (
            "Sigo aquí 🙌 El equipo ya sabe que lo buscas. Escribe «menú» si quieres seguir "
            "conmigo."
        )
    wait = wait_phrase(conversation.organization, now)
    return (
        f"Ya le avisé al equipo 🙏 Te contestan por aquí {wait}. Si mientras quieres seguir "
        "conmigo, escribe «menú»."
    )


# -- the owner's alert ------------------------------------------------------------------------


def who(conversation: Conversation) -> str:
    """'Ana López (+52 55 9999 8888)': the person, for the team's eyes."""
    if conversation.staff is not None:
        name = f"{conversation.staff.name} (equipo)"
    elif conversation.customer is not None and conversation.customer.name:
        name = conversation.customer.name
    else:
        name = conversation.profile_name or "Un cliente"
    return f"{name} ({display_phone(conversation.phone)})"


def last_words(conversation: Conversation, now: datetime) -> list[str]:
    """What the person wrote last (at most QUOTED messages, oldest first), links removed."""
    rows = (
        Message.select()
        .where(
            (Message.conversation == conversation.id)
            & (Message.direction == "in")
            & (Message.created_at > now - QUOTE_AGE)
        )
        .order_by(Message.id.desc())
        .limit(QUOTED)
    )
    quotes = []
    for message in reversed(list(rows)):
        text = URL.sub("[enlace]", (message.text or "").strip()) or f"[{message.kind}]"
        quotes.append(text[:160])
    return quotes


def _alert(conversation: Conversation, reason: str, now: datetime, wait: str) -> int | None:
    org: Organization = conversation.organization
    owner = owner_of(org)
    if owner is None or owner.id == conversation.staff_id:
        return None
    owner_chat = conversations.conversation_with(org, owner.phone)
    reason = URL.sub("[enlace]", reason).strip().rstrip(".") or "pidió hablar con alguien"
    headline = f"{who(conversation)} necesita a alguien del equipo: {reason}"
    quotes = last_words(conversation, now)
    if conversation.staff_id is not None:
        delivery.queue_action(owner_chat, Text(f"🙋 {headline}."), now)
        return owner_chat.id
    ids = [f"{TAKE}:{conversation.id}", f"{GIVE_BACK}:{conversation.id}"]
    if conversations.window_open(owner_chat, now):
        said = "\n".join(f"«{q}»" for q in quotes)
        first = _first_name(conversation)
        body = (
            f"🙋 {headline}.\nEscribió:\n{said}\nLe dije que le contestan {wait}.\n"
            f"¿Le contestas tú o sigue Yume? (También puedes escribirme «pausa a {first}» "
            f"o «reanuda a {first}».)"
        )
        options = list(zip(ids, HANDOVER_BUTTONS, strict=True))
        delivery.queue_action(owner_chat, Buttons(body[:1024], options), now)
    elif _usable(org, HANDOVER_ALERT) or not _usable(org, OWNER_ALERT):
        values = [org.name, headline, " / ".join(quotes) or "(nada)", wait]
        delivery.queue_template(
            owner_chat, HANDOVER_ALERT, [template_safe(v, 300) for v in values], now, ids
        )
    else:  # the alert's own template is not approved yet (a business that synced before it
        # existed): the general owner alert carries the same words, without the buttons
        said = " / ".join(f"«{q}»" for q in quotes) or "(nada)"
        alert = f"{headline}. Escribió: {said}. Le dije que le contestan {wait}"
        delivery.queue_template(
            owner_chat, OWNER_ALERT, [org.name, template_safe(alert, 600).rstrip(". ")], now
        )
    return owner_chat.id


def _usable(org: Organization, template: Template) -> bool:
    """Meta approved it, or Yume never submitted it (a business set up by hand: try it)."""
    return blocked_reason(org.id, template.name, template.language) is None


def _first_name(conversation: Conversation) -> str:
    customer = conversation.customer
    name = (customer.name if customer is not None else None) or conversation.profile_name
    return name.split()[0] if name and name.split() else display_phone(conversation.phone)
