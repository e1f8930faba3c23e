"""The owner's Claude tools for the business's frequent questions (yume/faq.py): save an
answer, delete one. Offered with the staff tools and refused to anyone but the owner, as
every owner-only power is; the saved entries are in the business block of the prompt."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from yume import faq
from yume.brains import claude_tools
from yume.brains.claude_tools import Refusal, Result, Toolbox, ToolInput, ToolSpec
from yume.faq_models import FaqEntry
from yume.schemas import FaqAnswer, FaqQuestion, Id

SAVE, DELETE = "save_faq_answer", "delete_faq_answer"


class SaveFaqInput(ToolInput):
    question: FaqQuestion
    answer: FaqAnswer


class DeleteFaqInput(ToolInput):
    faq_id: Annotated[Id, Field(description="The id shown in «Preguntas frecuentes».")]


SPECS = (
    ToolSpec(
        SAVE,
        "When the owner tells you the answer to a question customers ask (payment methods, "
        "parking, cancellation policy, Instagram, anything): save it; the same question again "
        "replaces its answer. Owner only. Returns the saved entry {faq: {id, question, answer}}.",
        SaveFaqInput,
    ),
    ToolSpec(
        DELETE,
        "When the owner wants one of the frequent questions gone: delete it by the id shown in "
        "«Preguntas frecuentes». Owner only. Returns the deleted entry {deleted: {…}}.",
        DeleteFaqInput,
    ),
)


def _owner(box: Toolbox) -> None:
    if not box.is_owner:
        raise Refusal("forbidden", "Solo el dueño puede cambiar las preguntas frecuentes.")


def _shown(entry: FaqEntry) -> Result:
    return {"id": entry.id, "question": entry.question, "answer": entry.answer}


def save_faq_answer(box: Toolbox, params: SaveFaqInput) -> Result:
    _owner(box)
    entry = faq.set_entry(box.org, params.question, params.answer, box.now)
    box.effects.append(f"Guardé la respuesta a «{entry.question}».")
    return {"faq": _shown(entry)}


def delete_faq_answer(box: Toolbox, params: DeleteFaqInput) -> Result:
    _owner(box)
    entry = faq.get_entry(box.org, params.faq_id)
    faq.delete_entry(box.org, entry.id)
    box.effects.append(f"Borré la pregunta «{entry.question}».")
    return {"deleted": _shown(entry)}


HANDLERS = {SAVE: save_faq_answer, DELETE: delete_faq_answer}


def register() -> None:
    """Offer these tools with the staff set (idempotent; whichever module is imported first)."""
    claude_tools.SPECS.update({spec.name: spec for spec in SPECS})
    claude_tools.HANDLERS.update(HANDLERS)
    missing = tuple(name for name in HANDLERS if name not in claude_tools.STAFF_TOOLS)
    claude_tools.STAFF_TOOLS += missing


register()
