"""Greeting the owner once the business is connected.

WhatsApp's rule decides how: a free message only inside the owner's 24-hour window (the
owner wrote to the business number through the Cloud API, which right after connecting
nobody has), otherwise an approved template, and right after connecting Yume's templates
are only submitted. So the greeting is stored and waits (status `waiting`, see
yume.delivery): it goes the moment the owner writes (the connect page offers a one-tap
wa.me link with «hola»), or as the welcome template as soon as Meta approves it; a
conditional UPDATE makes sure it goes one way, once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from yume import conversations, delivery
from yume.brain import Text
from yume.config import Config
from yume.models import Message, Organization, utcnow
from yume.notifications import owner_of
from yume.onboarding.templates import approved
from yume.templates import OWNER_WELCOME

log = logging.getLogger(__name__)

REPLACED = "replaced"  # a waiting greeting that went as the welcome template instead


def greeting_text(org: Organization, owner_name: str) -> str:
    first = owner_name.strip().split(" ")[0] if owner_name.strip() else ""
    hello = f"¡Hola, {first}!" if first and first != "Dueño" else "¡Hola!"
    return (
        f"{hello} 👋 Soy Yume y ya estoy conectada al WhatsApp de {org.name}. "
        "En unos mensajes dejamos listos tus servicios, horarios y equipo, y después "
        "puedes cambiar lo que quieras escribiéndome por aquí."
    )


def greet_owner(org: Organization, config: Config, now: datetime | None = None) -> Message | None:
    """Greet the owner now if WhatsApp allows it, else leave the greeting waiting."""
    now = now or utcnow()
    owner = owner_of(org)
    if owner is None:
        return None
    conversation = conversations.conversation_with(org, owner.phone)
    text = greeting_text(org, owner.name)
    if conversations.window_open(conversation, now):
        message = delivery.queue_action(conversation, Text(text), now)
    elif approved(org.id, OWNER_WELCOME):
        message = delivery.queue_template(conversation, OWNER_WELCOME, [org.name], now)
    else:
        message = delivery.queue_action(conversation, Text(text), now)
        Message.update(status=delivery.WAITING).where(Message.id == message.id).execute()
        message.status = delivery.WAITING
        log.info("onboarding.greeting-waiting org=%s", org.id)
        return message
    delivery.deliver(conversation, delivery.client_for(org, config), now)
    return message


def send_waiting_greeting(org: Organization, config: Config, now: datetime | None = None) -> int:
    """The welcome template was approved: a greeting still waiting goes as the template.
    Claimed with a conditional UPDATE, so an owner writing at the same moment gets it once."""
    now = now or utcnow()
    owner = owner_of(org)
    if owner is None or not approved(org.id, OWNER_WELCOME):
        return 0
    conversation = conversations.conversation_with(org, owner.phone)
    claimed = (
        Message.update(status=REPLACED)
        .where(
            (Message.conversation == conversation.id)
            & (Message.status == delivery.WAITING)
            & (Message.author == "yume")
        )
        .execute()
    )
    if not claimed:
        return 0
    delivery.queue_template(conversation, OWNER_WELCOME, [org.name], now)
    return delivery.deliver(conversation, delivery.client_for(org, config), now)
