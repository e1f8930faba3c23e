"""The guided brain: Yume without Claude, deterministic, with WhatsApp lists and buttons.

Each inbound message is routed, in order, to: the menu (a greeting or "menú" always
brings it back), what the current step expects (a tap or free text), a new intent
("cancela mi cita", "¿dónde están?"), a booking wish ("un corte mañana en la tarde"),
and finally short help. Help escalates instead of repeating itself: hint, then an offer
to talk to a person, then a hand-over — never a loop. State lives in the database
(`yume.brains.state`) and is forgotten after half an hour of silence.
"""

from __future__ import annotations

from datetime import timedelta

from yume import faq
from yume.brain import Action, Buttons, ListMessage, Reaction, Reply, Text, Turn
from yume.brains import (
    appointments_flow,
    booking_flow,
    faq_flow,
    info,
    setup_flow,
    staff_flow,
    walk_in,
)
from yume.brains.context import Ctx, Said
from yume.brains.state import load, save
from yume.brains.ui import buttons, customer_menu, staff_menu
from yume.config import Config
from yume.models import Message
from yume.nlu import intents as nlu
from yume.nlu.text import normalize

TAP_KINDS = frozenset({"button_reply", "list_reply", "template_button"})
MEDIA_KINDS = frozenset({"image", "video", "document"})
SILENT_KINDS = frozenset({"reaction", "revoke", "system", "request_welcome"})
OUR_PREFIXES = frozenset(
    {"m", "s", "svc", "day", "part", "slot", "confirm", "appt", "cancel", "block", "walkin", "cust",
     "intent", "faq"}
)  # fmt: skip
STEP_HINTS = {
    "service": "Elige un servicio de la lista o escríbeme cuál (p. ej. «corte»).",
    "day": "Elige un día de la lista o escríbelo (p. ej. «el viernes» o «el 15»).",
    "time": "Elige una hora de la lista o escríbela (p. ej. «a las 4:30»).",
    "confirm": "Responde «sí» o «no», o dime otro día u hora.",
    "pick": "Elige la cita de la lista.",
    "when": "Escríbeme el día y la hora, p. ej. «mañana de 3 a 5».",
    "span": "Escríbeme de qué hora a qué hora, o «todo el día».",
    "query": "Escríbeme un nombre o un teléfono.",
}


class GuidedBrain:
    def __init__(self, config: Config | None = None) -> None:
        self.config = config

    def respond(self, turn: Turn) -> Reply:
        ctx = Ctx(turn, load(turn.conversation, turn.now))
        answer = Reply()
        for message in turn.new_messages:
            reply = handle(ctx, said_of(message))
            ctx.state.options = offered(reply) or None
            answer = _merge(answer, reply)
            if reply.handover:
                break
        save(turn.conversation, ctx.state, turn.now)
        return answer


def _merge(before: Reply, reply: Reply) -> Reply:
    """The latest real answer wins (a burst gets one answer); reactions only fill silence."""
    talks = any(not isinstance(a, Reaction) for a in reply.actions)
    actions: list[Action] = reply.actions if talks or not before.actions else before.actions
    return Reply(
        actions=actions,
        handover=before.handover or reply.handover,
        handover_reason=reply.handover_reason or before.handover_reason,
        notify_owner=reply.notify_owner or before.notify_owner,
    )


def offered(reply: Reply) -> list[str]:
    """The ids of the last buttons or list rows in a reply, as shown."""
    for action in reversed(reply.actions):
        if isinstance(action, Buttons):
            return [rid for rid, _ in action.options]
        if isinstance(action, ListMessage):
            return [rid for rid, _, _ in action.rows]
    return []


def said_of(message: Message) -> Said:
    payload = message.payload or {}
    kind = message.kind
    text = (message.text or "").strip()
    if kind in TAP_KINDS:
        return Said("tap", text, payload.get("reply_id"), message.wa_message_id)
    if kind in ("text", "edit"):
        return Said("text", text, message_id=message.wa_message_id)
    if kind in ("voice", "audio"):
        return Said("voice", message_id=message.wa_message_id)
    if kind in MEDIA_KINDS:
        return Said("text" if text else "media", text, message_id=message.wa_message_id)
    if kind in ("sticker", *SILENT_KINDS):
        return Said("sticker", message_id=message.wa_message_id)
    return Said(kind if kind == "location" else "other", text, message_id=message.wa_message_id)


def handle(ctx: Ctx, said: Said) -> Reply:
    setup = setup_flow.answer(ctx.turn, said)  # issue 10: the owner sets up and changes by chat
    if setup is not None:
        return setup
    misses = ctx.state.misses
    reply = _dispatch(ctx, said)
    if ctx.state.misses == misses and said.kind in ("text", "tap"):
        ctx.state.misses = 0  # understood: help starts over next time
    return reply


def _dispatch(ctx: Ctx, said: Said) -> Reply:
    if said.kind == "sticker":
        return Reply([Reaction(said.message_id, "😊")]) if said.message_id else Reply()
    if said.kind == "voice":
        return Reply(
            [
                Text(
                    "¡Gracias por tu audio! 🙏 Todavía no puedo escuchar audios; "
                    "¿me lo escribes, por favor?"
                )
            ]
        )
    if said.kind == "media":
        return Reply(
            [Text("¡Gracias! 📎 Por ahora solo leo texto; cuéntame por escrito en qué te ayudo.")]
        )
    if said.kind == "location":
        return Reply(
            [
                Text(
                    "¡Gracias por tu ubicación! 📍 Si quieres una cita, "
                    "escríbeme qué servicio y cuándo."
                )
            ]
        )
    if said.kind == "tap" and said.reply_id and said.reply_id.split(":")[0] in OUR_PREFIXES:
        return on_tap(ctx, said.reply_id)
    if said.kind == "other" or not said.text:
        return unknown(ctx)
    picked = _typed_choice(ctx, said.text)
    if picked is not None:
        return on_tap(ctx, picked)
    if ctx.staff is not None:
        return staff_text(ctx, said.text)
    return customer_text(ctx, said.text)


# -- menu and help -----------------------------------------------------------------------------


def menu(ctx: Ctx) -> Reply:
    ctx.state.reset()
    if ctx.staff is not None:
        return Reply([staff_menu(f"¡Hola, {_first(ctx.staff.name)}! 👋", ctx.is_owner)])
    name = _first(ctx.customer.name or "")
    hello = f"¡Hola, {name}! 👋" if name else "¡Hola! 👋"
    return Reply([customer_menu(f"{hello} Soy Yume, la asistente de {ctx.org.name}.")])


def _first(name: str) -> str:
    return name.strip().split(" ")[0] if name.strip() else ""


def unknown(ctx: Ctx) -> Reply:
    """Short help that changes each time it is needed, ending with a person."""
    state = ctx.state
    state.misses += 1
    if state.misses >= 3:
        state.reset()
        note = f"{info.who_wrote(ctx)} escribió algo que no entendí."
        text = "Perdón, no te estoy entendiendo 🙏 Le pedí a alguien del equipo que te escriba."
        return Reply([Text(text)], True, "Yume no le entendió tres veces", note)
    if state.misses == 2:
        body = "Sigo sin entenderte, perdón 🙏 ¿Quieres que te comunique con alguien del equipo?"
        return Reply([buttons(body, [("m:human", "Sí, con alguien"), ("m:menu", "Ver menú")])])
    step_hint = STEP_HINTS.get(state.step or "")
    if step_hint:
        return Reply([Text(f"Perdón, no te entendí 🙈 {step_hint}")])
    example = "«agenda de mañana»" if ctx.staff else "«quiero un corte mañana a las 4»"
    lead = f"Perdón, no te entendí 🙈 Puedes escribirme, p. ej., {example}, o elegir aquí:"
    body_menu = staff_menu(lead, ctx.is_owner) if ctx.staff else customer_menu(lead)
    return Reply([body_menu])


def _typed_choice(ctx: Ctx, text: str) -> str | None:
    """ "2" typed instead of tapping the second option, where a number means nothing else
    (in the menu, a list of services or appointments; not where it could be a day or hour)."""
    options = ctx.state.options or []
    number = text.strip().rstrip(".)")
    if not number.isdigit() or ctx.state.step not in (None, "service", "pick"):
        return None
    index = int(number) - 1
    return options[index] if 0 <= index < len(options) else None


def stale(ctx: Ctx) -> Reply:
    reply = menu(ctx)
    return Reply([Text("Esa opción ya venció ⌛ Empecemos de nuevo:"), *reply.actions])


# -- taps --------------------------------------------------------------------------------------


CUSTOMER_MENU_ACTIONS = {
    "book": lambda ctx: booking_flow.start(ctx),
    "mine": appointments_flow.show_mine,
    "reschedule": lambda ctx: appointments_flow.start(ctx, "reschedule"),
    "cancel": lambda ctx: appointments_flow.start(ctx, "cancel"),
    "prices": info.prices,
    "info": info.hours_and_address,
    "human": lambda ctx: info.human(ctx),
}
STAFF_MENU_ACTIONS = {
    "today": lambda ctx: staff_flow.agenda(ctx, ctx.today),
    "tomorrow": lambda ctx: staff_flow.agenda(ctx, ctx.today + timedelta(days=1)),
    "day": staff_flow.ask_agenda_day,
    "walkin": lambda ctx: walk_in.start_walk_in(ctx),
    "lookup": lambda ctx: walk_in.start_lookup(ctx),
    "block": lambda ctx: staff_flow.start_block(ctx),
    "faq": faq_flow.show,
}


def on_tap(ctx: Ctx, reply_id: str) -> Reply:
    prefix, _, value = reply_id.partition(":")
    if prefix == "m" and value == "menu":
        return menu(ctx)
    if ctx.staff is not None:
        return staff_tap(ctx, prefix, value) or stale(ctx)
    if prefix == "m" and value in CUSTOMER_MENU_ACTIONS:
        return CUSTOMER_MENU_ACTIONS[value](ctx)
    flow = ctx.state.flow
    found = None
    if flow in ("book", "reschedule"):
        found = booking_flow.handle_tap(ctx, reply_id)
    if found is None and flow in ("cancel", "reschedule", "choose"):
        found = appointments_flow.handle_tap(ctx, reply_id)
    return found or stale(ctx)


def staff_tap(ctx: Ctx, prefix: str, value: str) -> Reply | None:
    if prefix == "s" and value in STAFF_MENU_ACTIONS:
        return STAFF_MENU_ACTIONS[value](ctx)
    if prefix in ("svc", "walkin"):
        return walk_in.walk_in_tap(ctx, prefix, value)
    if prefix == "cust":
        return walk_in.lookup_tap(ctx, value)
    if prefix == "block":
        return staff_flow.block_tap(ctx, value)
    if prefix == "faq":
        return faq_flow.tap(ctx, value)
    if prefix == "m" and value == "human":
        return info.human(ctx)
    return None


# -- customers' free text ----------------------------------------------------------------------


def customer_text(ctx: Ctx, text: str) -> Reply:
    tags = nlu.intents(text)
    state = ctx.state
    ctx.question = faq.looks_like_a_question(text)
    if nlu.is_only_greeting(text) or nlu.MENU in tags:
        return menu(ctx)
    if state.step == "name" and not {nlu.HUMAN, nlu.CANCEL} & set(tags):
        return booking_flow.on_name(ctx, text)
    if nlu.ROBOT in tags:
        return info.robot(ctx)
    if nlu.HUMAN in tags:
        return info.human(ctx, text)
    rest = nlu.without_greeting(text) or text
    answering = state.step == "confirm" or state.flow == "choose"  # a question is open
    found = _flow_text(ctx, rest, tags) if answering else None
    return (
        found or _intent(ctx, rest, tags) or _flow_text(ctx, rest, tags) or _wish(ctx, rest, tags)
    )


def _flow_text(ctx: Ctx, text: str, tags: list[str]) -> Reply | None:
    flow = ctx.state.flow
    found = None
    if flow in ("book", "reschedule") and ctx.state.step != "pick":
        found = booking_flow.handle_text(ctx, text, tags)
    if found is None and flow in ("cancel", "reschedule", "choose"):
        found = appointments_flow.handle_text(ctx, text, tags)
    return found


def _intent(ctx: Ctx, text: str, tags: list[str]) -> Reply | None:
    if nlu.RESCHEDULE in tags:  # "no voy a llegar, ¿la pasamos al lunes?" moves it
        return appointments_flow.start(ctx, "reschedule", text)
    if nlu.CANCEL in tags:
        return appointments_flow.start(ctx, "cancel", text)
    if nlu.CANCEL_OR_MOVE in tags:
        return appointments_flow.cancel_or_move(ctx)
    if nlu.ANOTHER in tags:
        return booking_flow.start(ctx, text)
    if nlu.MY_APPOINTMENTS in tags:
        return appointments_flow.show_mine(ctx)
    answered = _asked(ctx, text)
    if answered is not None:
        return answered
    if nlu.HOURS in tags or nlu.ADDRESS in tags:
        return info.hours_and_address(ctx)
    if nlu.PRICES in tags:
        return info.prices(ctx, text)
    return None


def _asked(ctx: Ctx, text: str) -> Reply | None:
    """The business's own answer (FAQ) to a question, not to a booking wish that merely
    mentions a topic ("quiero pagar con tarjeta mi corte de mañana")."""
    if not ctx.question and (ctx.when(text) or ctx.match_services(text)):
        return None
    return info.from_faq(ctx, text)


def _wish(ctx: Ctx, text: str, tags: list[str]) -> Reply:
    names_service = bool(ctx.match_services(text))
    when = ctx.when(text)
    if when is not None and ctx.state.flow not in ("book", "reschedule"):
        mine = appointments_flow.upcoming(ctx)
        if mine:  # change one of them, or one more? Ask; never book a second one silently
            return appointments_flow.ask_move_or_another(ctx, text, mine, when)
    if nlu.BOOK in tags or names_service or when is not None:
        return booking_flow.start(ctx, text)
    if nlu.THANKS in tags:
        return info.thanks(ctx)
    if ctx.question and ctx.state.flow is None:
        return info.dont_know(ctx)  # a question Yume has no answer to: say so plainly
    return unknown(ctx)


# -- staff's free text -------------------------------------------------------------------------


def staff_text(ctx: Ctx, text: str) -> Reply:
    tags = nlu.intents(text)
    ctx.raw = text
    if nlu.is_only_greeting(text) or nlu.MENU in tags:
        return menu(ctx)
    rest = nlu.without_greeting(text) or text
    return _staff_flow_text(ctx, rest, tags) or _staff_intent(ctx, rest, tags) or unknown(ctx)


def _staff_flow_text(ctx: Ctx, text: str, tags: list[str]) -> Reply | None:
    state = ctx.state
    switching = {nlu.BLOCK, nlu.WALK_IN, nlu.LOOKUP, nlu.AGENDA} & set(tags)
    if state.flow == "faq":
        return faq_flow.text(ctx, ctx.raw)
    if state.flow == "walk_in" and (state.step == "name" or not switching):
        return walk_in.walk_in_text(ctx, text)
    if state.flow == "lookup" and not switching:
        return walk_in.lookup(ctx, normalize(ctx.raw) or text)
    if state.flow == "block" and not switching - {nlu.BLOCK}:
        return staff_flow.block_text(ctx, text, tags)
    if state.flow == "agenda" and not switching:
        when = ctx.when(text)
        if when is not None and when.day is not None:
            return staff_flow.agenda(ctx, when.day, text)
    return None


def _staff_intent(ctx: Ctx, text: str, tags: list[str]) -> Reply | None:
    if nlu.FAQ_ADMIN in tags:
        return faq_flow.start(ctx, ctx.raw)
    if nlu.BLOCK in tags:
        return staff_flow.start_block(ctx, text)
    if nlu.WALK_IN in tags:
        return walk_in.start_walk_in(ctx, text)
    if nlu.LOOKUP in tags:
        return walk_in.start_lookup(ctx, ctx.raw or text)
    when = ctx.when(text)
    if nlu.AGENDA in tags or (when is not None and when.day is not None):
        day = when.day if when is not None and when.day is not None else ctx.today
        return staff_flow.agenda(ctx, day, text)
    if nlu.HOURS in tags or nlu.ADDRESS in tags:
        return info.hours_and_address(ctx)
    if nlu.PRICES in tags:
        return info.prices(ctx)
    if nlu.THANKS in tags:
        return info.thanks(ctx)
    return None
