"""Whole conversations with the guided brain, in Mexican Spanish, taps and free text,
at a fixed moment: Wednesday January 13, 2027, 9:10 AM in Mexico City (the shop opens
at 10). Each message is a real Message row handed to `GuidedBrain.respond`."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.cast import Cast
from yume.booking import book_appointment, get_or_create_customer
from yume.brain import Buttons, ListMessage, Reaction, Reply, Text, Turn, action_text
from yume.brains.guided import GuidedBrain
from yume.brains.state import load
from yume.conversations import open_conversation
from yume.models import Appointment, AvailabilityException, Conversation, Customer, Message

TZ = ZoneInfo("America/Mexico_City")
NOW = datetime(2027, 1, 13, 9, 10, tzinfo=TZ).astimezone(UTC)
_ids = itertools.count(1)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 1, day, hour, minute, tzinfo=TZ).astimezone(UTC)


class Chat:
    """One person writing to the business; taps find options by their title."""

    def __init__(self, cast: Cast, phone: str, name: str | None = "Ana", now: datetime = NOW):
        self.org = cast.org
        self.phone = phone
        self.name = name
        self.now = now
        self.last = Reply()
        self.conversation = open_conversation(self.org, phone, profile_name=name)

    def send(self, *messages: tuple[str, str, str | None]) -> Reply:
        rows = [
            Message.create(
                conversation=self.conversation,
                direction="in",
                author="customer",
                kind=kind,
                text=text,
                payload={"reply_id": reply_id},
                wa_message_id=f"wamid.T{next(_ids)}",
            )  # fmt: skip
            for kind, text, reply_id in messages
        ]
        conversation = Conversation.get_by_id(self.conversation.id)
        turn = Turn(
            self.org, conversation, conversation.customer, conversation.staff, [], rows, self.now
        )
        self.last = GuidedBrain().respond(turn)
        _check_limits(self.last)
        return self.last

    def say(self, text: str) -> Reply:
        return self.send(("text", text, None))

    def tap(self, title: str) -> Reply:
        for action in self.last.actions:
            if isinstance(action, Buttons):
                options = [(rid, t, "button_reply") for rid, t in action.options]
            elif isinstance(action, ListMessage):
                options = [(rid, t, "list_reply") for rid, t, _ in action.rows]
            else:
                continue
            for rid, option, kind in options:
                if option == title:
                    return self.send((kind, option, rid))
        raise AssertionError(f"no option {title!r} in {self.options}")

    def later(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @property
    def text(self) -> str:
        return "\n".join(action_text(a) for a in self.last.actions)

    @property
    def options(self) -> list[str]:
        titles: list[str] = []
        for action in self.last.actions:
            if isinstance(action, Buttons):
                titles += [t for _, t in action.options]
            elif isinstance(action, ListMessage):
                titles += [t for _, t, _ in action.rows]
        return titles


def _check_limits(reply: Reply) -> None:
    for action in reply.actions:
        if isinstance(action, Buttons):
            assert 1 <= len(action.options) <= 3
            assert all(len(title) <= 20 for _, title in action.options)
        if isinstance(action, ListMessage):
            assert 1 <= len(action.rows) <= 10
            assert all(len(title) <= 24 for _, title, _ in action.rows)
            assert len(action.button) <= 20
        if isinstance(action, Text | Buttons | ListMessage):
            assert "usted" not in action_text(action).lower()


@pytest.fixture
def ana(cast: Cast) -> Chat:
    return Chat(cast, cast.customer.phone)


def booked(cast: Cast, customer: Customer | None = None) -> list[Appointment]:
    return list(
        Appointment.select()
        .where(
            (Appointment.customer == (customer or cast.customer))
            & Appointment.status.in_(["booked", "confirmed"])
        )
        .order_by(Appointment.start_at)
    )


def book(cast: Cast, start: datetime, customer: Customer | None = None, staff_id=None):
    return book_appointment(
        cast.org, cast.haircut.id, start, customer or cast.customer, staff_id=staff_id, now=NOW
    )


# -- booking -----------------------------------------------------------------------------------


def test_it_books_end_to_end_with_taps(cast: Cast, ana: Chat) -> None:
    ana.say("hola")
    assert "¡Hola, Ana!" in ana.text and "Agendar una cita" in ana.options
    ana.tap("Agendar una cita")
    assert ana.options == ["Corte de cabello", "Arreglo de barba"]
    ana.tap("Corte de cabello")
    assert ana.options[:2] == ["Hoy", "Mañana"]
    ana.tap("Mañana")
    assert ana.options == ["En la mañana", "En la tarde", "En la noche"]
    ana.tap("En la tarde")
    assert "4:00 PM" in ana.options and "10:00 AM" not in ana.options
    ana.tap("4:00 PM")
    assert "¿Te agendo *Corte de cabello* mañana, jueves 14 de enero a las 4:00 PM" in ana.text
    assert "$250" in ana.text
    ana.tap("Sí, agendar")
    assert "¡Listo, Ana! ✅" in ana.text and "Av. Juárez 123" in ana.text
    [appointment] = booked(cast)
    assert appointment.start_at == local(14, 16)
    assert appointment.source == "chat"


def test_it_jumps_from_free_text_to_the_afternoon_slots_of_tomorrow(ana: Chat) -> None:
    ana.say("hola, quiero un korte mañana en la tarde")
    assert "Corte de cabello" in ana.text and "jueves 14 de enero" in ana.text
    assert ana.options and all(o.endswith("PM") for o in ana.options)
    assert ana.options[0] == "1:00 PM" and "7:00 PM" not in ana.options  # the afternoon: from 1


def test_it_changes_the_day_mid_flow_and_books_a_typed_time(cast: Cast, ana: Chat) -> None:
    ana.say("quiero un corte mañana en la tarde")
    ana.say("mejor el viernes")
    assert "viernes 15 de enero" in ana.text
    ana.say("a las 5")
    assert "el viernes 15 de enero a las 5:00 PM" in ana.text
    ana.say("sí")
    [appointment] = booked(cast)
    assert appointment.start_at == local(15, 17)


def test_it_asks_the_name_of_a_customer_it_does_not_know(cast: Cast) -> None:
    lupe = Chat(cast, "+525512340000", name=None)
    lupe.say("corte el viernes a las 11")
    lupe.tap("Sí, agendar")
    assert "¿A nombre de quién" in lupe.text
    lupe.say("Lupe Ramírez")
    customer = Customer.get(Customer.phone == "+525512340000")
    assert customer.name == "Lupe Ramírez"
    assert booked(cast, customer)[0].start_at == local(15, 11)
    assert "¡Listo, Lupe!" in lupe.text


def test_it_offers_the_nearest_times_when_the_wished_one_is_taken(cast: Cast, ana: Chat) -> None:
    other = get_or_create_customer(cast.org, "+525500000001", "Pedro")
    book(cast, local(14, 16), other, cast.owner.id)
    book(cast, local(14, 16), other, cast.barber.id)
    ana.say("un corte mañana a las 4")
    assert "A las 4:00 PM no tengo lugar" in ana.text
    assert "4:00 PM" not in ana.options and "4:30 PM" in ana.options


def test_it_only_offers_days_with_openings(cast: Cast, ana: Chat) -> None:
    ana.say("quiero un corte el domingo")
    assert "El domingo 17 de enero no abrimos" in ana.text
    assert "Domingo 17 de enero" not in ana.options and "Lunes 18 de enero" in ana.options


def test_a_burst_gets_one_answer(cast: Cast, ana: Chat) -> None:
    reply = ana.send(("text", "hola", None), ("text", "quiero un corte mañana a las 4", None))
    assert len(reply.actions) == 1
    assert "¿Te agendo" in ana.text


# -- my appointments, reschedule, cancel -------------------------------------------------------


def test_it_lists_only_my_own_appointments(cast: Cast, ana: Chat) -> None:
    book(cast, local(15, 11))
    pedro = get_or_create_customer(cast.org, "+525500000002", "Pedro")
    book(cast, local(15, 12), pedro)
    ana.say("¿cuándo es mi cita?")
    assert "viernes 15 de enero a las 11:00 AM" in ana.text
    assert "12:00 PM" not in ana.text
    assert ana.options == ["Cambiar una cita", "Cancelar una cita", "Ver menú"]


def test_it_reschedules_an_appointment(cast: Cast, ana: Chat) -> None:
    appointment = book(cast, local(15, 11))
    ana.say("quiero cambiar mi cita")
    assert "¿Para qué día cambiamos tu cita de *Corte de cabello*?" in ana.text
    ana.say("el sábado a las 12")
    assert (
        "¿Cambio tu cita de Corte de cabello para el sábado 16 de enero a las 12:00 PM" in ana.text
    )
    ana.tap("Sí, cambiarla")
    moved = Appointment.get_by_id(appointment.id)
    assert moved.start_at == local(16, 12) and moved.status == "booked"
    assert "¡Listo, la cambié" in ana.text


def test_it_cancels_an_appointment(cast: Cast, ana: Chat) -> None:
    appointment = book(cast, local(15, 11))
    ana.say("cancela mi cita porfa")
    assert "¿Cancelo tu cita de *Corte de cabello* el viernes 15 de enero" in ana.text
    ana.tap("Sí, cancelarla")
    assert Appointment.get_by_id(appointment.id).status == "cancelled"
    assert "Listo, cancelé" in ana.text


def test_a_customer_cannot_cancel_another_customers_appointment(cast: Cast, ana: Chat) -> None:
    book(cast, local(15, 11))
    book(cast, local(16, 11))
    pedro = get_or_create_customer(cast.org, "+525500000003", "Pedro")
    his = book(cast, local(15, 12), pedro)
    ana.say("cancelar cita")
    assert len(ana.options) == 2  # her two, never his
    ana.send(("list_reply", "vie 15 ene, 12:00 PM", f"appt:{his.id}"))  # a forged tap
    assert "No encontré esa cita entre las tuyas" in ana.text
    ana.send(("button_reply", "Sí, cancelarla", "cancel:yes"))
    assert Appointment.get_by_id(his.id).status == "booked"


# -- information and people --------------------------------------------------------------------


def test_it_tells_the_hours_the_address_and_the_prices(ana: Chat) -> None:
    ana.say("¿dónde están y a qué hora abren?")
    assert "Av. Juárez 123, CDMX" in ana.text
    assert "Lunes a sábado: 10:00 AM a 8:00 PM" in ana.text and "Domingo: cerrado" in ana.text
    ana.say("cuánto cuesta?")
    assert "Corte de cabello: $250 (30 min)" in ana.text
    assert "Arreglo de barba: $150" in ana.text


def test_it_hands_over_to_a_person_and_tells_the_owner(ana: Chat) -> None:
    reply = ana.say("quiero hablar con alguien por favor")
    assert reply.handover
    assert "+525599998888" in reply.notify_owner and "Ana" in reply.notify_owner
    assert "le avisé al equipo" in ana.text


# -- menu, memory, help ------------------------------------------------------------------------


def test_a_greeting_or_menu_always_brings_the_menu_back(cast: Cast, ana: Chat) -> None:
    ana.say("quiero un corte mañana a las 4")
    ana.say("menú")
    assert "Agendar una cita" in ana.options
    assert load(Conversation.get_by_id(ana.conversation.id), NOW).flow is None
    ana.say("sí")
    assert booked(cast) == []


def test_the_state_lives_in_the_database_and_expires(cast: Cast, ana: Chat) -> None:
    ana.say("quiero un corte mañana a las 4")
    stored = Conversation.get_by_id(ana.conversation.id).state["guided"]
    assert stored["flow"] == "book" and stored["step"] == "confirm"
    ana.later(31)
    ana.tap("Sí, agendar")
    assert "Esa opción ya venció" in ana.text
    assert booked(cast) == []


def test_a_stale_yes_after_expiry_books_nothing(cast: Cast, ana: Chat) -> None:
    ana.say("quiero un corte mañana a las 4")
    ana.later(45)
    ana.say("sí")
    assert booked(cast) == []
    assert "no te entendí" in ana.text


def test_help_for_what_it_cannot_understand_never_loops(ana: Chat) -> None:
    first = ana.say("asdfgh")
    assert "no te entendí" in ana.text and "Agendar una cita" in ana.options
    ana.say("qwerty")
    assert ana.options == ["Sí, con alguien", "Ver menú"]
    third = ana.say("zzz")
    assert third.handover and "no entendí" in third.notify_owner
    assert first.actions != third.actions


def test_a_sticker_gets_a_reaction_and_a_voice_note_a_kind_request(ana: Chat) -> None:
    ana.say("quiero un corte mañana a las 4")
    reply = ana.send(("sticker", "", None))
    assert len(reply.actions) == 1 and isinstance(reply.actions[0], Reaction)
    ana.send(("voice", "", None))
    assert "no puedo escuchar audios" in ana.text and "escribes" in ana.text
    ana.say("sí")  # the booking in progress survived both
    assert "¡Listo, Ana!" in ana.text


# -- staff -------------------------------------------------------------------------------------


@pytest.fixture
def tomorrow(cast: Cast) -> None:
    book(cast, local(14, 11), staff_id=cast.owner.id)
    pedro = get_or_create_customer(cast.org, "+525500000004", "Pedro Páramo")
    book(cast, local(14, 12), pedro, staff_id=cast.barber.id)


def test_the_owner_sees_everyones_agenda(cast: Cast, tomorrow: None) -> None:
    chuy = Chat(cast, cast.owner.phone, "Chuy")
    chuy.say("hola")
    assert "Agenda de hoy" in chuy.options
    chuy.say("agenda de mañana")
    assert "Agenda de mañana, jueves 14 de enero" in chuy.text
    assert "*Chuy*" in chuy.text and "*Beto*" in chuy.text
    assert "11:00 AM Corte de cabello — Ana" in chuy.text
    assert "12:00 PM Corte de cabello — Pedro Páramo" in chuy.text


def test_a_staff_member_sees_only_their_own_agenda(cast: Cast, tomorrow: None) -> None:
    beto = Chat(cast, cast.barber.phone, "Beto")
    beto.say("qué tengo mañana?")
    assert "Pedro Páramo" in beto.text
    assert "Ana" not in beto.text
    beto.say("agenda de Chuy mañana")
    assert "Ana" not in beto.text


def test_staff_register_a_walk_in_now(cast: Cast) -> None:
    chuy = Chat(cast, cast.owner.phone, "Chuy", now=local(13, 11, 2))
    chuy.say("cliente sin cita, corte ahorita")
    assert "¿Cómo se llama?" in chuy.text
    chuy.say("Pedro 55 1234 5678")
    appointment = Appointment.get(Appointment.source == "walk_in")
    assert appointment.start_at == local(13, 11, 2)
    assert appointment.customer.phone == "+525512345678" and appointment.customer.name == "Pedro"
    assert appointment.staff_id == cast.owner.id
    assert "Listo ✅ Registré a Pedro" in chuy.text


def test_staff_register_a_walk_in_for_later_with_taps(cast: Cast) -> None:
    beto = Chat(cast, cast.barber.phone, "Beto")
    beto.say("hola")
    beto.tap("Cliente sin cita")
    beto.tap("Corte de cabello")
    beto.say("a las 5")
    beto.say("Luis")
    appointment = Appointment.get(Appointment.source == "walk_in")
    assert appointment.start_at == local(13, 17)
    assert appointment.staff_id == cast.barber.id and appointment.customer.name == "Luis"


def test_staff_look_up_a_customers_history(cast: Cast) -> None:
    book(cast, local(15, 11))
    chuy = Chat(cast, cast.owner.phone, "Chuy")
    chuy.say("busca a ana")
    assert "👤 *Ana* (+52 55 9999 8888)" in chuy.text
    assert "• viernes 15 de enero, 11:00 AM — Corte de cabello con Chuy (agendada)" in chuy.text
    chuy.say("historial 9999 8888")
    assert "*Ana*" in chuy.text


def test_staff_block_their_time(cast: Cast) -> None:
    beto = Chat(cast, cast.barber.phone, "Beto")
    beto.say("bloquea mañana de 3 a 5 por comida")
    assert (
        "¿Bloqueo tu agenda mañana, jueves 14 de enero, de las 3:00 PM a las 5:00 PM?" in beto.text
    )
    beto.tap("Sí, bloquear")
    block = AvailabilityException.get()
    assert (block.staff_id, block.kind, block.reason) == (cast.barber.id, "time_off", "comida")
    assert (block.start_at, block.end_at) == (local(14, 15), local(14, 17))


def test_only_the_owner_blocks_someone_elses_time(cast: Cast) -> None:
    beto = Chat(cast, cast.barber.phone, "Beto")
    beto.say("bloquea a Chuy mañana")
    assert "Solo el dueño" in beto.text
    chuy = Chat(cast, cast.owner.phone, "Chuy")
    chuy.say("bloquea a Beto el viernes")
    chuy.tap("Todo el día")
    assert "la agenda de Beto" in chuy.text
    chuy.tap("Sí, bloquear")
    assert AvailabilityException.get().staff_id == cast.barber.id


def test_a_typed_number_picks_from_the_menu_and_lists(cast: Cast, ana: Chat) -> None:
    ana.say("hola")
    ana.say("1")
    assert ana.options == ["Corte de cabello", "Arreglo de barba"]
    ana.say("2")
    assert "*Arreglo de barba*" in ana.text
    ana.say("mañana")
    ana.say("4")  # in the time step a number is an hour, not the fourth row
    assert "¿Te agendo *Arreglo de barba* mañana, jueves 14 de enero a las 4:00 PM" in ana.text


def test_a_day_beyond_the_booking_horizon_offers_the_next_open_days(ana: Chat) -> None:
    ana.say("un corte el 20 de mayo")
    assert "Todavía no abro la agenda para esa fecha" in ana.text
    assert ana.options[0] == "Hoy"
