"""The owner teaches Yume the business's answers by chat: "preguntas frecuentes" lists them,
"Agregar una" asks the question and the answer, "Borrar una" removes one. A whole entry can
also come in one message: «pregunta frecuente: ¿Tienen estacionamiento? Sí, en la esquina»."""

from __future__ import annotations

import re

from yume import faq
from yume.brain import Reply, Text
from yume.brains.context import Ctx
from yume.brains.ui import Row, buttons, rows
from yume.errors import DomainError

INLINE = re.compile(
    r"(?P<question>¿?[^?¿]{2,}\?)\s*(?:respuesta\s*[:\-]?\s*)?(?P<answer>\S.*)$", re.S
)
LEAD = re.compile(
    r"^\s*(?:agrega(?:r)?|guarda(?:r)?|nueva|a[ñn]ade)?\s*(?:una\s+)?(?:pregunta(?:s)?"
    r"(?:\s+frecuentes?)?|faq)\s*[:\-]?\s*",
    re.I,
)
ONLY_OWNER = "Solo el dueño puede cambiar las preguntas frecuentes."


def start(ctx: Ctx, text: str = "") -> Reply:
    if not ctx.is_owner:
        return Reply([Text(ONLY_OWNER)])
    inline = INLINE.search(LEAD.sub("", text, count=1)) if "?" in text else None
    if inline:
        return _save(ctx, inline["question"], inline["answer"])
    return show(ctx)


def show(ctx: Ctx) -> Reply:
    if not ctx.is_owner:
        return Reply([Text(ONLY_OWNER)])
    ctx.state.begin("faq")
    entries = faq.entries(ctx.org)
    if not entries:
        body = (
            "Todavía no me has dado respuestas para las preguntas de tus clientes (formas de "
            "pago, estacionamiento, política de cancelación, Instagram…). ¿Agregamos una?"
        )
        return Reply([buttons(body, [("faq:add", "Agregar una"), ("m:menu", "Ver menú")])])
    lines = [f"{i}. {e.question} → {e.answer}" for i, e in enumerate(entries, start=1)]
    body = "Esto contesto a tus clientes:\n" + "\n".join(lines)
    options = [("faq:add", "Agregar una"), ("faq:del", "Borrar una"), ("m:menu", "Ver menú")]
    return Reply([buttons(body, options)])


def ask_question(ctx: Ctx) -> Reply:
    ctx.state.begin("faq", "question")
    return Reply([Text("¿Qué te preguntan tus clientes? P. ej. «¿Aceptan tarjeta?»")])


def tap(ctx: Ctx, value: str) -> Reply | None:
    if not ctx.is_owner:
        return Reply([Text(ONLY_OWNER)])
    if value == "add":
        return ask_question(ctx)
    if value == "del":
        entries = faq.entries(ctx.org)[:10]
        if not entries:
            return show(ctx)
        ctx.state.begin("faq", "pick")
        items: list[Row] = [(f"faq:rm:{e.id}", e.question, e.answer) for e in entries]
        return Reply([rows("¿Cuál borro?", "Ver preguntas", items)])
    if value.startswith("rm:") and value[3:].isdigit():
        return _delete(ctx, int(value[3:]))
    return None


def text(ctx: Ctx, said: str) -> Reply | None:
    """Free text inside the flow: the question, then its answer."""
    state = ctx.state
    if state.step == "question":
        question = said.strip()
        if len(question) < 3:
            return Reply(
                [Text("Escríbeme la pregunta completa, p. ej. «¿Tienen estacionamiento?»")]
            )
        state.pending, state.step = question[:300], "answer"
        return Reply([Text(f"¿Y qué les contesto cuando pregunten «{state.pending}»?")])
    if state.step == "answer" and state.pending:
        return _save(ctx, state.pending, said)
    return None


def _save(ctx: Ctx, question: str, answer: str) -> Reply:
    try:
        entry = faq.set_entry(ctx.org, question, answer, ctx.now)
    except DomainError as error:
        return Reply([Text(error.message)])
    ctx.state.reset()
    body = f"Listo ✅ Cuando pregunten «{entry.question}», contesto:\n«{entry.answer}»"
    return Reply([buttons(body, [("faq:add", "Agregar otra"), ("m:menu", "Ver menú")])])


def _delete(ctx: Ctx, entry_id: int) -> Reply:
    try:
        entry = faq.get_entry(ctx.org, entry_id)
        faq.delete_entry(ctx.org, entry_id)
    except DomainError:
        ctx.state.reset()
        return Reply([Text("Esa pregunta ya no estaba.")])
    ctx.state.reset()
    return Reply([Text(f"Listo, borré «{entry.question}».")])
