"""The owner takes over a customer's chat, or gives it back to Yume, from their own chat with
Yume: the hand-over alert's buttons ("Yo le contesto" / "Que siga Yume") and typed commands
("pausa a Ana", "pausa 55 1234 5678", "reanuda a Ana").

WhatsApp for Windows and some companion devices send no echoes, so an owner answering from
them is invisible to Yume: this is how they take over anyway. Handled before the brain,
whichever brain answers, as reminder taps are (yume/reminder_replies.py). `/pausa` and
`/yume` typed in the customer's chat keep working (conversations.takeover).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from yume import conversations, delivery, handover
from yume.brain import Action, ListMessage, Text
from yume.db import database
from yume.models import Conversation, Customer, Message, Staff
from yume.nlu.text import normalize
from yume.phones import InvalidPhone, normalize_phone
from yume.whatsapp.client import WhatsAppClient

PAUSE = re.compile(
    r"^(?:pausa(?:r|le)?|pon(?:er|le)? en pausa|silencia(?:r)?|callate con"
    r"|deja de contestar(?:le)?|no le contestes)(?: a| al| con)?\s+(?P<who>.+)$"
)
RESUME = re.compile(
    r"^(?:reanuda(?:r|le)?|reactiva(?:r|le)?|despausa(?:r)?|quita(?:le)? la pausa"
    r"|(?:que )?siga yume con|yume sigue con|vuelve a contestar(?:le)?|contestale)"
    r"(?: a| al| con)?\s+(?P<who>.+)$"
)
NOT_A_NAME = re.compile(r"^(?:de|del|para|por|hoy|manana|el|la|las|en)\b")
SIMILAR_NAME = 80
ACTIONS = ("take", "yume", "pause", "resume")


@dataclass(frozen=True)
class Command:
    action: str  # take | yume | pause | resume
    conversation_id: int | None = None  # from a tap
    who: str = ""  # from a typed command


@dataclass
class Outcome:
    to_owner: list[Action]
    deliver: list[int]  # customers' conversations that got a message


def answer(
    conversation: Conversation, pending: list[Message], client: WhatsAppClient, now: datetime
) -> tuple[list[Message], list[int]]:
    """Act on the owner's taps and commands among `pending` and answer them; returns the
    rest (for the brain) and the customers' conversations to deliver."""
    if conversation.staff_id is None:
        return pending, []
    commands = {m.id: command_of(m) for m in pending}
    mine = [m for m in pending if commands[m.id] is not None]
    if not mine:
        return pending, []
    deliver: list[int] = []
    with database.atomic():
        if not conversations.claim_inbound(mine, now):
            return [m for m in pending if m not in mine], []
        for message in mine:
            command = commands[message.id]
            assert command is not None
            outcome = act(conversation, command, now)
            delivery.queue_actions(conversation, outcome.to_owner, now)
            deliver += outcome.deliver
    delivery.mark_read(client, mine[-1])
    delivery.deliver(conversation, client, now)
    return [m for m in pending if m not in mine], deliver


def command_of(message: Message) -> Command | None:
    reply_id = (message.payload or {}).get("reply_id") or ""
    if reply_id.startswith("own:"):
        _, action, target = (reply_id.split(":") + ["", ""])[:3]
        if action in ACTIONS and target.isdigit():
            return Command(action, conversation_id=int(target))
        return None
    if message.kind != "text":
        return None
    text = normalize(message.text or "")
    for action, pattern in (("pause", PAUSE), ("resume", RESUME)):
        match = pattern.match(text)
        if match and _names_someone(match["who"]):
            return Command(action, who=match["who"].removeprefix("a ").strip())
    return None


def _names_someone(who: str) -> bool:
    """'Ana', 'a Ana López', '55 1234 5678'; not 'de 2 a 3 para comer' (blocking time)."""
    digits = re.sub(r"\D", "", who)
    if digits:
        return len(digits) >= 8
    return not NOT_A_NAME.match(who)


def act(owner_chat: Conversation, command: Command, now: datetime) -> Outcome:
    staff = owner_chat.staff
    if staff is None or staff.role != "owner":
        refusal = "Solo el dueño puede pausar a Yume o dejar que siga con un cliente."
        return Outcome([Text(refusal)], [])
    if command.conversation_id is not None:
        target = _customer_chat(owner_chat, command.conversation_id)
        if target is None:
            return Outcome([Text("Ya no encontré esa conversación.")], [])
        return ACT[command.action](target, now, staff)
    found = find_chats(owner_chat, command.who)
    if not found:
        return Outcome([Text(
            f"No encontré a «{command.who}» entre tus clientes. Prueba con su teléfono, "
            f"p. ej. «{'pausa' if command.action == 'pause' else 'reanuda'} 55 1234 5678»."
        )], [])  # fmt: skip
    if len(found) == 1:
        return ACT[command.action](found[0], now, staff)
    verb = "pauso" if command.action == "pause" else "reanudo"
    rows = [(f"own:{command.action}:{c.id}", _name(c)[:24], c.phone) for c in found[:10]]
    return Outcome([ListMessage(f"¿A quién {verb}?", "Ver clientes", rows)], [])


def _customer_chat(owner_chat: Conversation, conversation_id: int) -> Conversation | None:
    return Conversation.get_or_none(
        (Conversation.id == conversation_id)
        & (Conversation.organization == owner_chat.organization_id)
        & Conversation.staff.is_null()
    )


def find_chats(owner_chat: Conversation, who: str) -> list[Conversation]:
    """The customers' chats `who` names: by phone, else by name (typos allowed)."""
    org = owner_chat.organization
    if len(re.sub(r"\D", "", who)) >= 8:
        try:
            phone = normalize_phone(who)
        except InvalidPhone:
            return []
        chat = conversations.conversation_with(org, phone)
        return [chat] if chat.staff_id is None else []
    wanted = normalize(who)
    chats = (
        Conversation.select(Conversation, Customer)
        .join(Customer)
        .where((Conversation.organization == org) & Conversation.staff.is_null())
    )
    scored = []
    from rapidfuzz import fuzz  # loaded on first use: the web never needs it (bench/footprint.py)

    for chat in chats:
        names = {normalize(n) for n in (chat.customer.name, chat.profile_name) if n}
        score = max((fuzz.token_set_ratio(wanted, n) for n in names), default=0)
        if score >= SIMILAR_NAME:
            scored.append((score, chat))
    if not scored:
        return []
    best = max(score for score, _ in scored)
    return [chat for score, chat in scored if score == best]


def _name(chat: Conversation) -> str:
    customer = chat.customer
    return (customer.name if customer is not None else None) or chat.profile_name or chat.phone


def _first(chat: Conversation) -> str:
    return _name(chat).split()[0]


# -- the four actions -------------------------------------------------------------------------


def take(chat: Conversation, now: datetime, owner: Staff) -> Outcome:
    """ "Yo le contesto": Yume is quiet for takeover_minutes; a waiting customer is told."""
    waiting = handover.is_waiting(chat, now)
    handover.take(chat, now)
    hours = int(chat.organization.setting("takeover_minutes")) / 60
    span = f"{hours:g} hora{'s' if hours != 1 else ''}" if hours >= 1 else "un rato"
    to_owner = Text(
        f"Va 👍 Yume no le contesta a {handover.who(chat)} por {span}. Escríbele desde "
        f"WhatsApp Business; si quieres que siga Yume antes, dime «reanuda a {_first(chat)}»."
    )
    if not waiting:
        return Outcome([to_owner], [])
    first = owner.name.split()[0] if owner.name.strip() else "Alguien del equipo"
    said = f"¡Listo! 🙌 {first} ya vio tu mensaje y te escribe por aquí en un momento."
    delivery.queue_action(chat, Text(said), now)
    return Outcome([to_owner], [chat.id])


def yume_goes_on(chat: Conversation, now: datetime, owner: Staff | None = None) -> Outcome:
    """ "Que siga Yume": Yume answers again, and says so to a customer left waiting."""
    held = handover.is_waiting(chat, now) or conversations.is_paused(chat, now)
    handover.give_back(chat)
    to_owner = Text(f"Listo 🙌 Yume sigue atendiendo a {handover.who(chat)}.")
    if not held:
        return Outcome([to_owner], [])
    back = "¡Hola de nuevo! 👋 Sigo yo por aquí. ¿En qué te ayudo? Escribe «menú» para ver opciones"
    delivery.queue_action(chat, Text(back + "."), now)
    return Outcome([to_owner], [chat.id])


def pause(chat: Conversation, now: datetime, owner: Staff | None = None) -> Outcome:
    """ "pausa a Ana": quiet until "reanuda a Ana" (or `/yume`)."""
    handover.take(chat, now, until=now + conversations.LONG_PAUSE)
    return Outcome([Text(
        f"Listo ⏸️ Yume no le contesta a {handover.who(chat)} hasta que me digas "
        f"«reanuda a {_first(chat)}»."
    )], [])  # fmt: skip


def resume(chat: Conversation, now: datetime, owner: Staff | None = None) -> Outcome:
    """ "reanuda a Ana": Yume answers her again; she hears from Yume only if she was left
    waiting for a person (after the owner's own pause, the owner was talking to her)."""
    if handover.is_waiting(chat, now):
        outcome = yume_goes_on(chat, now)
    else:
        handover.give_back(chat)
        outcome = Outcome([], [])
    outcome.to_owner = [Text(f"Listo ▶️ Yume vuelve a atender a {handover.who(chat)}.")]
    return outcome


ACT = {"take": take, "yume": yume_goes_on, "pause": pause, "resume": resume}
