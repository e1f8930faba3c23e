"""WhatsAppClient and GraphTransport, through a real HTTP fake of Meta's Graph API."""

from __future__ import annotations

import pickle
import socket
from typing import Any

import pytest

from tests.fake_graph import FakeGraph
from yume.config import DEFAULT_API_VERSION, Config
from yume.whatsapp.client import (
    BUTTON_TITLE_MAX,
    DEFAULT_LIST_BUTTON,
    FOOTER_MAX,
    HEADER_MAX,
    LIST_BUTTON_MAX,
    ROW_DESCRIPTION_MAX,
    ROW_TITLE_MAX,
    SECTION_TITLE_MAX,
    TEXT_BODY_MAX,
    GraphTransport,
    WhatsAppClient,
    WhatsAppError,
    shared_session,
)

PHONE_NUMBER_ID = "106540352242922"
TOKEN = "test-token"
CUSTOMER = "5215512345678"
MESSAGES_PATH = f"/{DEFAULT_API_VERSION}/{PHONE_NUMBER_ID}/messages"


def make_client(url: str, read_timeout: float = 2.0) -> WhatsAppClient:
    transport = GraphTransport(url, connect_timeout=1.0, read_timeout=read_timeout)
    return WhatsAppClient(transport, PHONE_NUMBER_ID, TOKEN)


@pytest.fixture
def whatsapp(fake_graph: FakeGraph) -> WhatsAppClient:
    return make_client(fake_graph.url)


def only_message(fake: FakeGraph) -> dict[str, Any]:
    messages = fake.sent_messages()
    assert len(messages) == 1
    return messages[0]


def envelope(**message: Any) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CUSTOMER,
        **message,
    }


def send_error(whatsapp: WhatsAppClient) -> WhatsAppError:
    with pytest.raises(WhatsAppError) as caught:
        whatsapp.send_text(CUSTOMER, "Hola")
    return caught.value


# -- sending -------------------------------------------------------------------------------


def test_it_sends_text_and_returns_the_wamid(fake_graph: FakeGraph, whatsapp: WhatsAppClient):
    wamid = whatsapp.send_text(CUSTOMER, "Hola, ¿en qué te ayudo?")

    request = fake_graph.requests[0]
    assert (request.method, request.path) == ("POST", MESSAGES_PATH)
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["User-Agent"].startswith("Yume/")
    assert request.json == envelope(
        type="text", text={"preview_url": False, "body": "Hola, ¿en qué te ayudo?"}
    )
    assert wamid.startswith("wamid.FAKE")


def test_it_quotes_the_message_it_replies_to(fake_graph: FakeGraph, whatsapp: WhatsAppClient):
    whatsapp.send_text(CUSTOMER, "¡Claro!", reply_to="wamid.IN1")

    assert only_message(fake_graph)["context"] == {"message_id": "wamid.IN1"}


def test_it_returns_a_different_wamid_for_each_message(whatsapp: WhatsAppClient):
    assert whatsapp.send_text(CUSTOMER, "uno") != whatsapp.send_text(CUSTOMER, "dos")


def test_it_sends_e164_numbers_as_digits(fake_graph: FakeGraph, whatsapp: WhatsAppClient):
    whatsapp.send_text("+52 55 1234 5678", "Hola")
    whatsapp.send_text("+525512345678", "Hola")

    assert [m["to"] for m in fake_graph.sent_messages()] == ["525512345678", "525512345678"]


def test_it_sends_what_meta_gave_as_is(fake_graph: FakeGraph, whatsapp: WhatsAppClient):
    whatsapp.send_text("US.13491208655302741918", "Hola")

    assert only_message(fake_graph)["to"] == "US.13491208655302741918"


def test_it_cuts_long_text_to_4096(fake_graph: FakeGraph, whatsapp: WhatsAppClient):
    whatsapp.send_text(CUSTOMER, "a" * 5000)

    body = only_message(fake_graph)["text"]["body"]
    assert len(body) == TEXT_BODY_MAX
    assert body.endswith("a…")


def test_it_refuses_an_empty_text(fake_graph: FakeGraph, whatsapp: WhatsAppClient):
    with pytest.raises(ValueError):
        whatsapp.send_text(CUSTOMER, "  ")

    assert fake_graph.requests == []


def test_it_sends_reply_buttons(fake_graph: FakeGraph, whatsapp: WhatsAppClient):
    buttons = [("confirm:123", "Confirmar"), ("resched:123", "Reprogramar")]
    whatsapp.send_buttons(CUSTOMER, "¿Confirmas?", buttons, header="Cita", footer="Yume")

    assert only_message(fake_graph) == envelope(
        type="interactive",
        interactive={
            "type": "button",
            "header": {"type": "text", "text": "Cita"},
            "body": {"text": "¿Confirmas?"},
            "footer": {"text": "Yume"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": "confirm:123", "title": "Confirmar"}},
                    {"type": "reply", "reply": {"id": "resched:123", "title": "Reprogramar"}},
                ]
            },
        },
    )


def test_it_cuts_button_titles_to_exactly_20(fake_graph: FakeGraph, whatsapp: WhatsAppClient):
    whatsapp.send_buttons(CUSTOMER, "¿Cuál?", [("a", "Manicura francesa con gelish")])

    title = only_message(fake_graph)["interactive"]["action"]["buttons"][0]["reply"]["title"]
    assert title == "Manicura francesa c…"
    assert len(title) == BUTTON_TITLE_MAX


def test_it_keeps_button_titles_unique(fake_graph: FakeGraph, whatsapp: WhatsAppClient):
    buttons = [("a", "Sábado 10:00 con Ana María"), ("b", "Sábado 10:00 con Ana Lucía")]
    whatsapp.send_buttons(CUSTOMER, "¿Con quién?", buttons)

    replies = only_message(fake_graph)["interactive"]["action"]["buttons"]
    titles = [b["reply"]["title"] for b in replies]
    assert titles == ["Sábado 10:00 con An…", "Sábado 10:00 co… (2)"]
    assert all(len(t) <= BUTTON_TITLE_MAX for t in titles)


def test_it_sends_a_list_instead_of_four_buttons(fake_graph: FakeGraph, whatsapp: WhatsAppClient):
    buttons = [(f"slot:{i}", f"{9 + i}:00") for i in range(4)]
    whatsapp.send_buttons(CUSTOMER, "¿A qué hora?", buttons)

    interactive = only_message(fake_graph)["interactive"]
    assert interactive["type"] == "list"
    assert interactive["action"]["button"] == DEFAULT_LIST_BUTTON
    rows = interactive["action"]["sections"][0]["rows"]
    assert rows == [{"id": f"slot:{i}", "title": f"{9 + i}:00"} for i in range(4)]


def test_it_sends_a_list(fake_graph: FakeGraph, whatsapp: WhatsAppClient):
    rows = [("svc:1", "Corte", "45 min · $350"), ("svc:2", "Tinte", None)]
    whatsapp.send_list(CUSTOMER, "Elige un servicio", "Servicios", rows, footer="Yume")

    assert only_message(fake_graph) == envelope(
        type="interactive",
        interactive={
            "type": "list",
            "body": {"text": "Elige un servicio"},
            "footer": {"text": "Yume"},
            "action": {
                "button": "Servicios",
                "sections": [
                    {
                        "title": "Opciones",
                        "rows": [
                            {"id": "svc:1", "title": "Corte", "description": "45 min · $350"},
                            {"id": "svc:2", "title": "Tinte"},
                        ],
                    }
                ],
            },
        },
    )


def test_it_keeps_only_ten_rows(fake_graph: FakeGraph, whatsapp: WhatsAppClient):
    rows = [(f"slot:{i}", f"Opción {i}", None) for i in range(12)]
    whatsapp.send_list(CUSTOMER, "Horarios", "Ver horarios", rows)

    sent = only_message(fake_graph)["interactive"]["action"]["sections"][0]["rows"]
    assert [row["id"] for row in sent] == [f"slot:{i}" for i in range(10)]


def test_it_cuts_every_list_text_to_its_limit(fake_graph: FakeGraph, whatsapp: WhatsAppClient):
    long = "x" * 100
    whatsapp.send_list(
        CUSTOMER,
        "Horarios",
        long,
        [("r", long, long)],
        section_title=long,
        header=long,
        footer=long,
    )

    interactive = only_message(fake_graph)["interactive"]
    section = interactive["action"]["sections"][0]
    cut = {
        HEADER_MAX: interactive["header"]["text"],
        FOOTER_MAX: interactive["footer"]["text"],
        LIST_BUTTON_MAX: interactive["action"]["button"],
        SECTION_TITLE_MAX: section["title"],
        ROW_TITLE_MAX: section["rows"][0]["title"],
        ROW_DESCRIPTION_MAX: section["rows"][0]["description"],
    }
    for limit, text in cut.items():
        assert text == "x" * (limit - 1) + "…"


def test_it_refuses_ids_over_the_limit(fake_graph: FakeGraph, whatsapp: WhatsAppClient):
    with pytest.raises(ValueError, match="row id"):
        whatsapp.send_list(CUSTOMER, "Horarios", "Ver", [("r" * 201, "Uno", None)])

    assert fake_graph.requests == []


def test_it_sends_a_template_with_quick_replies(fake_graph: FakeGraph, whatsapp: WhatsAppClient):
    whatsapp.send_template(
        "+525512345678",
        "recordatorio_cita",
        body_params=["Ana", "mañana 10:00"],
        button_payloads=["confirm:123", "cancel:123"],
    )

    template = {
        "name": "recordatorio_cita",
        "language": {"code": "es_MX"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Ana"},
                    {"type": "text", "text": "mañana 10:00"},
                ],
            },
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": "0",
                "parameters": [{"type": "payload", "payload": "confirm:123"}],
            },
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": "1",
                "parameters": [{"type": "payload", "payload": "cancel:123"}],
            },
        ],
    }
    assert only_message(fake_graph) == {
        **envelope(type="template", template=template),
        "to": "525512345678",
    }


def test_it_flattens_whitespace_in_template_params(
    fake_graph: FakeGraph,
    whatsapp: WhatsAppClient,
):
    whatsapp.send_template(CUSTOMER, "bienvenida", body_params=["Ana\n  María\t López"])

    parameters = only_message(fake_graph)["template"]["components"][0]["parameters"]
    assert parameters == [{"type": "text", "text": "Ana María López"}]


def test_it_sends_a_reaction(fake_graph: FakeGraph, whatsapp: WhatsAppClient):
    whatsapp.send_reaction(CUSTOMER, "wamid.IN1", "👍")

    assert only_message(fake_graph) == envelope(
        type="reaction", reaction={"message_id": "wamid.IN1", "emoji": "👍"}
    )


def test_it_marks_read_and_shows_typing(fake_graph: FakeGraph, whatsapp: WhatsAppClient):
    whatsapp.mark_read("wamid.IN1")
    whatsapp.mark_read("wamid.IN2", typing=False)

    assert fake_graph.read_receipts() == [
        {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": "wamid.IN1",
            "typing_indicator": {"type": "text"},
        },
        {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN2"},
    ]
    assert fake_graph.sent_messages() == []


def test_it_downloads_media_with_the_bearer_token(
    fake_graph: FakeGraph,
    whatsapp: WhatsAppClient,
):
    fake_graph.token = TOKEN
    fake_graph.add_media("1037543291543636", b"OggS voice note", "audio/ogg")

    content, mime_type = whatsapp.download_media("1037543291543636")

    assert (content, mime_type) == (b"OggS voice note", "audio/ogg")
    info, download = fake_graph.requests
    assert info.path == f"/{DEFAULT_API_VERSION}/1037543291543636"
    assert download.path == "/media/1037543291543636"
    assert download.headers["Authorization"] == f"Bearer {TOKEN}"
    assert download.headers["User-Agent"].startswith("Yume/")


def test_it_reports_unknown_media_as_permanent(whatsapp: WhatsAppClient):
    with pytest.raises(WhatsAppError) as caught:
        whatsapp.media_url("nope")

    assert (caught.value.kind, caught.value.code, caught.value.subcode) == ("permanent", 100, 33)


# -- errors --------------------------------------------------------------------------------


def test_it_reads_meta_error_bodies(fake_graph: FakeGraph, whatsapp: WhatsAppClient):
    fake_graph.fail_next(
        131026, title="(#131026) Message undeliverable", details="Receiver is incapable"
    )

    error = send_error(whatsapp)

    assert (error.code, error.http_status, error.kind) == (131026, 400, "permanent")
    assert error.title == "(#131026) Message undeliverable"
    assert error.details == "Receiver is incapable"
    assert error.fbtrace_id
    assert "131026" in str(error)
    assert fake_graph.sent_messages() == []


@pytest.mark.parametrize(
    ("code", "http_status", "kind"),
    [
        (131056, 429, "transient"),
        (130429, 429, "transient"),
        (131000, 500, "transient"),
        (999999, 500, "transient"),  # an unknown code: the HTTP status decides
        (131047, 400, "window_closed"),
        (100, 400, "permanent"),
        (131026, 400, "permanent"),
        (190, 401, "permanent"),
        (131048, 429, "permanent"),  # spam limit: a 429 that must not be retried
        (132001, 404, "permanent"),
    ],
)
def test_it_classifies_meta_errors(
    fake_graph: FakeGraph,
    whatsapp: WhatsAppClient,
    code: int,
    http_status: int,
    kind: str,
):
    fake_graph.fail_next(code, http_status=http_status)

    error = send_error(whatsapp)

    assert (error.code, error.http_status, error.kind) == (code, http_status, kind)
    assert error.retryable == (kind == "transient")
    assert error.window_closed == (kind == "window_closed")


def test_it_keeps_every_field_through_pickling(fake_graph: FakeGraph, whatsapp: WhatsAppClient):
    fake_graph.fail_next(131047, details="Message failed to send because more than 24 hours")
    error = send_error(whatsapp)

    copy = pickle.loads(pickle.dumps(error))

    assert (copy.kind, copy.code, copy.details, str(copy)) == (
        error.kind,
        error.code,
        error.details,
        str(error),
    )


def test_it_suggests_4_to_the_x_for_the_pair_rate_limit(
    fake_graph: FakeGraph,
    whatsapp: WhatsAppClient,
):
    fake_graph.fail_next(131056, http_status=429)
    pair_limit = send_error(whatsapp)
    fake_graph.fail_next(130429, http_status=429)
    throughput = send_error(whatsapp)

    assert [pair_limit.retry_after_seconds(n) for n in range(3)] == [1, 4, 16]
    assert throughput.retry_after_seconds(1) is None


def test_it_sends_after_a_scripted_failure_is_used_up(
    fake_graph: FakeGraph,
    whatsapp: WhatsAppClient,
):
    fake_graph.fail_next(131000, http_status=500)
    send_error(whatsapp)

    whatsapp.send_text(CUSTOMER, "Hola")

    assert len(fake_graph.sent_messages()) == 1


def test_it_reports_a_read_timeout_as_ambiguous(fake_graph: FakeGraph):
    whatsapp = make_client(fake_graph.url, read_timeout=0.2)
    fake_graph.delay_next(1.0)

    error = send_error(whatsapp)

    assert error.kind == "ambiguous"
    assert not error.retryable
    assert len(fake_graph.sent_messages()) == 1  # Meta got it: resending would duplicate


def test_it_reports_a_dropped_connection_as_ambiguous(
    fake_graph: FakeGraph,
    whatsapp: WhatsAppClient,
):
    fake_graph.drop_next()

    assert send_error(whatsapp).kind == "ambiguous"


def test_it_reports_an_unreachable_server_as_transient():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    whatsapp = make_client(f"http://127.0.0.1:{port}")

    with pytest.raises(WhatsAppError) as caught:
        whatsapp.send_text(CUSTOMER, "Hola")

    assert caught.value.kind == "transient"


def test_it_reports_a_get_timeout_as_transient(fake_graph: FakeGraph):
    whatsapp = make_client(fake_graph.url, read_timeout=0.2)
    fake_graph.add_media("m1", b"jpeg")
    fake_graph.delay_next(1.0)

    with pytest.raises(WhatsAppError) as caught:
        whatsapp.download_media("m1")

    assert caught.value.kind == "transient"  # a GET changes nothing: safe to repeat


# -- transport -----------------------------------------------------------------------------


def test_it_shares_one_session_per_process():
    assert GraphTransport().session is GraphTransport("http://127.0.0.1:1").session
    assert shared_session() is GraphTransport().session


def test_it_takes_url_and_version_from_config():
    config = Config(meta_graph_url="https://graph.example/", meta_api_version="v99.0")

    transport = GraphTransport.from_config(config)

    assert transport.url("123/messages") == "https://graph.example/v99.0/123/messages"
    assert transport.url("https://lookaside.example/x?mid=1") == "https://lookaside.example/x?mid=1"


def test_it_manages_templates_on_the_fake(fake_graph: FakeGraph):
    transport = GraphTransport(fake_graph.url)
    template = {"name": "recordatorio_cita", "language": "es_MX", "category": "UTILITY"}

    created = transport.post("waba1/message_templates", template, TOKEN)
    fake_graph.set_template_status("recordatorio_cita", "APPROVED")
    listed = transport.get("waba1/message_templates?name=recordatorio_cita", TOKEN).json()

    assert created == {"id": created["id"], "status": "PENDING", "category": "UTILITY"}
    assert [(t["id"], t["status"]) for t in listed["data"]] == [(created["id"], "APPROVED")]
