import copy
import json
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yume.whatsapp.payloads import (
    AccountUpdate,
    ContactSync,
    Echo,
    Event,
    HistoryMessage,
    Ignored,
    Inbound,
    PlatformError,
    StatusUpdate,
    TemplateStatusChange,
    parse_webhook,
    phone_number_ids,
)

PAYLOADS = Path(__file__).parent / "payloads"
FIXTURES = sorted(path.stem for path in PAYLOADS.glob("*.json"))

BUSINESS = "106540352242922"
OTHER_BUSINESS = "118833204757391"
DISPLAY = "525541234567"
MARIA = "5215512345678"
LUPITA = "5213312345678"
SOFIA = "5218112345678"
SENT_AT = datetime(2026, 5, 19, 15, 0, tzinfo=UTC)
OUR_MESSAGE = "wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFDNBMDAwMDAwMDAwMDAwMERCQkExAA=="


def load(name: str) -> Any:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


def only(body: object) -> Event:
    events = parse_webhook(body)
    assert len(events) == 1, events
    return events[0]


def fields_of(event: Event, names: dict[str, object]) -> dict[str, object]:
    return {name: getattr(event, name) for name in names}


def messages_body(*messages: object, contacts: object = None) -> dict[str, Any]:
    value: dict[str, Any] = {"metadata": {"phone_number_id": BUSINESS}, "messages": list(messages)}
    if contacts is not None:
        value["contacts"] = contacts
    return {"entry": [{"changes": [{"field": "messages", "value": value}]}]}


# --- customer messages --------------------------------------------------------------------


def test_it_reads_a_text_message_completely():
    body = load("text")
    event = only(body)
    assert event == Inbound(
        phone_number_id=BUSINESS,
        wa_id=MARIA,
        user_id=None,
        profile_name="María Fernanda",
        message_id="wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFDNBMDAwMDAwMDAwMDAwMDAwMDAxAA==",
        timestamp=SENT_AT,
        kind="text",
        text="Hola, ¿tienen lugar para corte de cabello mañana a las 5?",
        reply_id=None,
        context_id=None,
        media_id=None,
        mime_type=None,
    )
    assert event.raw is body["entry"][0]["changes"][0]["value"]["messages"][0]
    assert event.timestamp.tzinfo is UTC


NO_MEDIA = {"media_id": None, "mime_type": None}


@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "text_reply_with_context",
            {"kind": "text", "text": "Sí, a las 5 está bien 👍", "context_id": OUR_MESSAGE},
        ),
        (
            "text_forwarded",
            {"kind": "text", "text": "Mira esta promo de uñas acrílicas 💅", "context_id": None},
        ),
        (
            "text_click_to_whatsapp_referral",
            {"kind": "text", "text": "Hola, vi su anuncio de pestañas", "wa_id": SOFIA},
        ),
        (
            "interactive_button_reply",
            {
                "kind": "button_reply",
                "text": "Confirmar",
                "reply_id": "confirm:1042",
                "context_id": OUR_MESSAGE,
            },
        ),
        (
            "interactive_list_reply",
            {
                "kind": "list_reply",
                "text": "Manicure en gel",
                "reply_id": "service:7",
                "context_id": OUR_MESSAGE,
            },
        ),
        (
            "button_template_quick_reply",
            {
                "kind": "template_button",
                "text": "Sí, ahí estaré",
                "reply_id": "reminder:1042:confirm",
                "context_id": OUR_MESSAGE,
            },
        ),
        (
            "image_with_caption",
            {
                "kind": "image",
                "text": "Quiero este diseño para el sábado",
                "media_id": "1485617452316402",
                "mime_type": "image/jpeg",
            },
        ),
        (
            "audio",
            {
                "kind": "audio",
                "text": "",
                "media_id": "1013859600285441",
                "mime_type": "audio/mpeg",
            },
        ),
        (
            "audio_voice_note",
            {
                "kind": "voice",
                "text": "",
                "media_id": "600451392537435",
                "mime_type": "audio/ogg; codecs=opus",
                "profile_name": ".",
                "wa_id": LUPITA,
            },
        ),
        (
            "video",
            {"kind": "video", "text": "", "media_id": "1311497706741522", "mime_type": "video/mp4"},
        ),
        (
            "document",
            {
                "kind": "document",
                "text": "Mi comprobante de pago",
                "media_id": "889236483119302",
                "mime_type": "application/pdf",
            },
        ),
        (
            "sticker",
            {
                "kind": "sticker",
                "text": "",
                "media_id": "2076534259429393",
                "mime_type": "image/webp",
            },
        ),
        (
            "location",
            {
                "kind": "location",
                "text": "Salón Yume Roma Norte, "
                "Colima 123, Roma Nte., Cuauhtémoc, 06700 Ciudad de México, CDMX",
                **NO_MEDIA,
            },
        ),
        ("location_current", {"kind": "location", "text": "20.6596988,-103.3496092"}),
        ("contacts", {"kind": "contacts", "text": "Ana Sofía Ruiz, Karla Díaz", **NO_MEDIA}),
        ("reaction", {"kind": "reaction", "text": "❤️", "context_id": OUR_MESSAGE}),
        ("reaction_removed", {"kind": "reaction", "text": "", "context_id": OUR_MESSAGE}),
        ("order", {"kind": "order", "text": "Para el sábado por la mañana, por favor"}),
        (
            "system_user_changed_number",
            {"kind": "system", "text": "María Fernanda cambió de 5215512345678 a 5215598765432"},
        ),
        (
            "edit",
            {
                "kind": "edit",
                "text": "Mejor a las 6, porfa",
                "reply_id": None,
                "context_id": "wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFDNBMDAwMDAwMDAwMDAwMDAwMDAxAA==",
            },
        ),
        (
            "revoke",
            {
                "kind": "revoke",
                "text": "",
                "context_id": "wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFDNBMDAwMDAwMDAwMDAwMDAwMDAyAA==",
            },
        ),
        ("unsupported", {"kind": "unsupported", "text": "", "reply_id": None, **NO_MEDIA}),
        ("request_welcome", {"kind": "request_welcome", "text": "", "profile_name": "Sofi 🌸"}),
    ],
)
def test_it_reads_every_inbound_message_type(name, expected):
    event = only(load(name))
    assert isinstance(event, Inbound)
    assert fields_of(event, expected) == expected
    assert event.phone_number_id == BUSINESS
    assert event.message_id.startswith("wamid.")
    assert event.timestamp == SENT_AT
    assert event.user_id is None


def test_it_keys_a_username_adopter_on_the_bsuid():
    event = only(load("bsuid_text_with_username"))
    assert isinstance(event, Inbound)
    assert event.wa_id == ""
    assert event.user_id == "MX.13491208655302741918"
    assert event.profile_name == "Vale"
    assert event.text == "Hola, ¿hacen diseño de cejas?"


def test_it_takes_the_bsuid_from_contacts_when_the_message_lacks_it():
    contacts = [{"profile": {"name": "Vale"}, "wa_id": MARIA, "user_id": "MX.42"}]
    message = {"from": MARIA, "id": "wamid.1", "type": "text", "text": {"body": "Hola"}}
    event = only(messages_body(message, contacts=contacts))
    assert isinstance(event, Inbound)
    assert (event.wa_id, event.user_id, event.profile_name) == (MARIA, "MX.42", "Vale")


def test_it_falls_back_to_the_contacts_wa_id_when_from_is_missing():
    contacts = [{"profile": {"name": "Lupita"}, "wa_id": LUPITA}]
    event = only(messages_body({"id": "wamid.1", "type": "text"}, contacts=contacts))
    assert isinstance(event, Inbound)
    assert (event.wa_id, event.profile_name, event.text) == (LUPITA, "Lupita", "")


def test_it_matches_each_message_to_its_own_contact():
    contacts = [
        {"profile": {"name": "María"}, "wa_id": MARIA},
        {"profile": {"name": "Lupita"}, "wa_id": LUPITA},
    ]
    messages = [{"from": LUPITA, "id": "wamid.1"}, {"from": SOFIA, "id": "wamid.2"}]
    events = parse_webhook(messages_body(*messages, contacts=contacts))
    assert [(e.wa_id, e.profile_name) for e in events if isinstance(e, Inbound)] == [
        (LUPITA, "Lupita"),
        (SOFIA, ""),
    ]


@pytest.mark.parametrize(
    "message, expected",
    [
        (
            {
                "type": "edit",
                "edit": {
                    "original_message_id": "wamid.0",
                    "message": {"type": "image", "image": {"id": "77", "caption": "Este mejor"}},
                },
            },
            {"kind": "edit", "text": "Este mejor", "media_id": "77", "context_id": "wamid.0"},
        ),
        (
            {"type": "interactive", "interactive": {"type": "nfm_reply", "nfm_reply": {}}},
            {"kind": "interactive_other", "text": "", "reply_id": None},
        ),
        ({"type": "poll_vote", "poll_vote": {}}, {"kind": "unknown", "text": ""}),
        ({}, {"kind": "unknown", "text": ""}),
        (
            {
                "type": "location",
                "location": {"latitude": 19.43, "longitude": -99.13, "name": "Yume"},
            },
            {"kind": "location", "text": "Yume"},
        ),
        (
            {
                "type": "contacts",
                "contacts": [{"name": {"first_name": "Karla", "last_name": "Díaz"}}],
            },
            {"kind": "contacts", "text": "Karla Díaz"},
        ),
        (
            {"type": "audio", "audio": {"id": "5", "voice": "yes"}},
            {"kind": "audio", "media_id": "5", "mime_type": None},
        ),
    ],
)
def test_it_reads_less_common_shapes(message, expected):
    event = only(messages_body({"from": MARIA, "id": "wamid.1", **message}))
    assert fields_of(event, expected) == expected


@pytest.mark.parametrize("timestamp", [None, "", "ayer", "1e999", "nan", -1e300, True, [1]])
def test_it_uses_now_for_a_missing_or_garbage_timestamp(timestamp):
    before = datetime.now(UTC)
    event = only(messages_body({"from": MARIA, "id": "wamid.1", "timestamp": timestamp}))
    assert isinstance(event, Inbound)
    assert event.timestamp.tzinfo is UTC
    assert before <= event.timestamp <= datetime.now(UTC) + timedelta(seconds=1)


def test_it_reads_a_numeric_timestamp():
    event = only(messages_body({"from": MARIA, "id": "wamid.1", "timestamp": 1779202800}))
    assert event.timestamp == SENT_AT


def test_it_ignores_a_message_without_an_id():
    assert only(messages_body({"from": MARIA, "type": "text"})) == Ignored(
        "messages", "message without an id", BUSINESS
    )


# --- receipts and errors -------------------------------------------------------------------

FAILED_131047 = (
    "Message failed to send because more than 24 hours have passed since the customer "
    "last replied to this number."
)
FAILED_131049 = (
    "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."
)
HEALTHY_ECOSYSTEM = "This message was not delivered to maintain healthy ecosystem engagement."


@pytest.mark.parametrize(
    "name, status, seconds, error",
    [
        ("status_sent", "sent", 5, (None, None, None)),
        ("status_delivered", "delivered", 6, (None, None, None)),
        ("status_read", "read", 60, (None, None, None)),
        ("status_failed_131047", "failed", 7, (131047, "Re-engagement message", FAILED_131047)),
        ("status_failed_131049", "failed", 8, (131049, HEALTHY_ECOSYSTEM, FAILED_131049)),
    ],
)
def test_it_reads_status_updates(name, status, seconds, error):
    event = only(load(name))
    assert isinstance(event, StatusUpdate)
    assert (event.phone_number_id, event.status, event.recipient_id) == (BUSINESS, status, MARIA)
    assert event.timestamp == SENT_AT + timedelta(seconds=seconds)
    assert (event.error_code, event.error_title, event.error_details) == error
    assert event.message_id.startswith("wamid.")


def test_it_ignores_a_status_without_an_id():
    body = load("status_sent")
    del body["entry"][0]["changes"][0]["value"]["statuses"][0]["id"]
    assert only(body) == Ignored("messages", "status without an id or status", BUSINESS)


def test_it_reads_value_level_errors():
    assert only(load("errors_value_level")) == PlatformError(
        BUSINESS, 130429, "Rate limit hit", "Cloud API message throughput has been reached."
    )


def test_it_reads_every_entry_change_and_item_of_a_batch_in_order():
    events = parse_webhook(load("batch"))
    summary = [(type(e).__name__, e.phone_number_id) for e in events]
    assert summary == [
        ("Inbound", BUSINESS),
        ("Inbound", BUSINESS),
        ("Inbound", BUSINESS),
        ("StatusUpdate", BUSINESS),
        ("StatusUpdate", BUSINESS),
        ("StatusUpdate", BUSINESS),
        ("Inbound", OTHER_BUSINESS),
        ("Inbound", OTHER_BUSINESS),
        ("StatusUpdate", OTHER_BUSINESS),
        ("Echo", OTHER_BUSINESS),
    ]
    inbound = [e for e in events if isinstance(e, Inbound)]
    assert [(e.wa_id, e.profile_name, e.kind) for e in inbound] == [
        (MARIA, "María Fernanda", "text"),
        (LUPITA, "Lupita", "text"),
        (MARIA, "María Fernanda", "text"),
        (SOFIA, "Sofi 🌸", "image"),
        (SOFIA, "Sofi 🌸", "text"),
    ]
    statuses = [(e.status, e.recipient_id) for e in events if isinstance(e, StatusUpdate)]
    assert statuses == [
        ("sent", MARIA),
        ("delivered", MARIA),
        ("read", LUPITA),
        ("delivered", SOFIA),
    ]
    assert phone_number_ids(events) == {BUSINESS, OTHER_BUSINESS}


# --- Coexistence ---------------------------------------------------------------------------


def test_it_reads_what_the_owner_typed_in_the_business_app():
    event = only(load("smb_message_echoes_text"))
    assert event == Echo(
        phone_number_id=BUSINESS,
        to=MARIA,
        message_id="wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFDNBMDAwMDAwMDAwMDAwMDAwMDI5AA==",
        timestamp=SENT_AT + timedelta(seconds=30),
        kind="text",
        text="¡Claro! Te esperamos mañana a las 5 😊",
        sender=DISPLAY,
        business_number=DISPLAY,
    )


def test_it_addresses_an_echo_to_the_bsuid_when_the_phone_is_hidden():
    body = load("smb_message_echoes_text")
    echo = body["entry"][0]["changes"][0]["value"]["message_echoes"][0]
    echo.update({"to": "", "to_user_id": "MX.77"})
    event = only(body)
    assert isinstance(event, Echo)
    assert (event.to, event.to_user_id) == ("", "MX.77")


def test_it_reads_contacts_saved_in_the_business_app():
    assert parse_webhook(load("smb_app_state_sync")) == [
        ContactSync(BUSINESS, MARIA, "María Fernanda López", "add"),
        ContactSync(BUSINESS, "5215511112222", "", "remove"),
    ]


def test_it_reads_history_with_who_sent_each_message():
    events = parse_webhook(load("history"))
    assert all(isinstance(e, HistoryMessage) for e in events)
    assert [(e.thread_id, e.from_business, e.kind, e.text) for e in events] == [
        (MARIA, False, "text", "¿Me pueden agendar para uñas el viernes?"),
        (MARIA, True, "text", "Claro, ¿a qué hora te acomoda?"),
        (MARIA, True, "media_placeholder", ""),
    ]
    assert events[0].timestamp == SENT_AT - timedelta(hours=2)


def test_it_reads_the_history_media_follow_up_as_history():
    event = only(load("history_media"))
    assert isinstance(event, HistoryMessage)
    assert (event.thread_id, event.from_business, event.kind, event.text) == (
        MARIA,
        False,
        "image",
        "Como este",
    )


def test_it_tells_business_messages_apart_without_a_display_number():
    body = load("history")
    del body["entry"][0]["changes"][0]["value"]["metadata"]["display_phone_number"]
    assert [e.from_business for e in parse_webhook(body)] == [False, True, True]


@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "history_declined",
            Ignored("history", "history sync declined by the business (2593109)", BUSINESS),
        ),
        (
            "unknown_field",
            Ignored("phone_number_quality_update", "unhandled field 'phone_number_quality_update'"),
        ),
    ],
)
def test_it_ignores_what_yume_does_not_act_on_with_a_reason(name, expected):
    assert only(load(name)) == expected


@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "account_update_partner_removed",
            AccountUpdate(
                "102290129340398", "525541234567", "PARTNER_REMOVED", "PRIMARY_INACTIVITY", "SYSTEM"
            ),
        ),
        (
            "account_update_account_offboarded",
            AccountUpdate("102290129340398", "525541234567", "ACCOUNT_OFFBOARDED", "", ""),
        ),
        (
            "account_update_account_reconnected",
            AccountUpdate("102290129340398", "525541234567", "ACCOUNT_RECONNECTED", "", ""),
        ),
        (
            "message_template_status_update",
            TemplateStatusChange(
                "102290129340398", "1228395058452031", "recordatorio_cita", "es_MX", "APPROVED", ""
            ),
        ),
        (
            "message_template_status_rejected",
            TemplateStatusChange(
                "102290129340398",
                "1228395058452032",
                "yume_cita_agendada",
                "es_MX",
                "REJECTED",
                "INVALID_FORMAT",
            ),
        ),
    ],
)
def test_it_reads_account_and_template_lifecycle_events(name, expected):
    assert only(load(name)) == expected


# --- every fixture, and the event types themselves -----------------------------------------

IGNORED_FIXTURES = {"history_declined", "unknown_field"}


@pytest.mark.parametrize("name", FIXTURES)
def test_it_understands_every_fixture(name):
    events = parse_webhook(load(name))
    assert events
    ignored = [e for e in events if isinstance(e, Ignored)]
    assert bool(ignored) == (name in IGNORED_FIXTURES), ignored


def test_it_has_the_fixtures_the_tests_expect():
    assert len(FIXTURES) >= 40
    assert set(FIXTURES) >= IGNORED_FIXTURES


def test_events_are_frozen_hashable_and_compare_without_raw():
    first, second = parse_webhook(load("text")), parse_webhook(load("text"))
    assert first == second
    assert len({*first, *second}) == 1
    with pytest.raises(FrozenInstanceError):
        first[0].text = "otro"  # type: ignore[misc]


def test_it_lists_the_phone_number_ids_it_saw():
    assert phone_number_ids(parse_webhook(load("account_update_partner_removed"))) == set()
    assert phone_number_ids(parse_webhook(load("text"))) == {BUSINESS}


# --- garbage in, a list out ----------------------------------------------------------------


def assert_survives(body: object) -> list[Event]:
    events = parse_webhook(body)
    assert isinstance(events, list)
    assert all(isinstance(e, Event) for e in events)
    errors = [e for e in events if isinstance(e, Ignored) and e.reason.startswith("parser error")]
    assert not errors
    return events


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        [{"entry": []}],
        "",
        "{}",
        0,
        1.5,
        True,
        {},
        {"object": "page", "entry": []},
        {"object": ["x"], "entry": []},
        {"entry": None},
        {"entry": "entry"},
        {"entry": [None, 1, "x", []]},
        {"entry": [{"changes": "x"}]},
        {"entry": [{"changes": [None, {"field": 1}, {"field": "messages"}]}]},
        {"entry": [{"changes": [{"field": "messages", "value": []}]}]},
        {"entry": [{"changes": [{"field": ["messages"], "value": {}}]}]},
        messages_body(None, 1, "x", [], {"id": None}, {"id": {"x": 1}}),
        messages_body({"id": "w", "type": ["text"], "text": "hola"}, contacts="x"),
        messages_body({"id": "w", "type": "text", "text": {"body": 5}}, contacts=[None, 1]),
        messages_body({"id": 10**5000, "from": 10**5000, "timestamp": "9" * 400}),
        messages_body({"id": "w", "type": "edit", "edit": {"message": {"type": "edit"}}}),
        messages_body({"id": "w", "type": "interactive", "interactive": {"type": "__class__"}}),
        messages_body({"id": "w", "type": "location", "location": {"latitude": float("nan")}}),
        {"entry": [{"changes": [{"field": "history", "value": {"history": [{"threads": 5}]}}]}]},
        {"entry": [{"changes": [{"field": "history", "value": {"history": [None]}}]}]},
        {"entry": [{"changes": [{"field": "smb_app_state_sync", "value": {"state_sync": [1]}}]}]},
        {"entry": [{"changes": [{"field": "account_update", "value": {"event": []}}]}]},
    ],
)
def test_it_never_raises_on_garbage(body):
    assert_survives(body)


def test_it_explains_why_it_ignored_a_body():
    assert parse_webhook(None) == [Ignored("", "body is not a JSON object")]
    assert parse_webhook({"entry": []}) == [Ignored("", "no entry[]")]


WORDS = [
    "object",
    "whatsapp_business_account",
    "entry",
    "id",
    "changes",
    "field",
    "value",
    "metadata",
    "phone_number_id",
    "display_phone_number",
    "contacts",
    "profile",
    "name",
    "wa_id",
    "user_id",
    "messages",
    "statuses",
    "errors",
    "message_echoes",
    "state_sync",
    "history",
    "threads",
    "smb_message_echoes",
    "smb_app_state_sync",
    "account_update",
    "from",
    "to",
    "timestamp",
    "type",
    "text",
    "body",
    "interactive",
    "button_reply",
    "list_reply",
    "button",
    "image",
    "audio",
    "voice",
    "location",
    "latitude",
    "reaction",
    "edit",
    "message",
    "revoke",
    "system",
    "context",
    "code",
    "error_data",
    "contact",
    "status",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=10),
    st.sampled_from(WORDS),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(WORDS), st.text(max_size=5)), children, max_size=5
        ),
    ),
    max_leaves=40,
)


@given(json_values)
@settings(max_examples=300)
def test_it_never_raises_on_any_json_like_value(body):
    assert_survives(body)


@given(json_values)
def test_it_never_raises_on_any_json_like_value_inside_an_envelope(value):
    body = {"entry": [{"changes": [{"field": "messages", "value": value}]}]}
    assert_survives(body)
    body["entry"][0]["changes"][0]["field"] = "history"
    assert_survives(body)


DELETE = object()


def paths(node: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            found += paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += paths(child, (*prefix, index))
    return found


def mutated(body: object, path: tuple[object, ...], replacement: object) -> object:
    if not path:
        return None if replacement is DELETE else replacement
    body = copy.deepcopy(body)
    parent: Any = body
    for step in path[:-1]:
        parent = parent[step]
    if replacement is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return body


@given(st.data())
@settings(max_examples=400)
def test_it_never_raises_on_mutated_fixtures(data):
    body = load(data.draw(st.sampled_from(FIXTURES)))
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        path = data.draw(st.sampled_from(paths(body)))
        body = mutated(body, path, data.draw(st.one_of(st.just(DELETE), json_values)))
    assert_survives(body)
