"""What happens to a message after it was sent: deleted for everyone (revoke) or edited.

WhatsApp delivers a revoke or an edit as a message of its own that names the original
(`about_wamid`), and, like everything, late or before the original. Yume keeps the person's
latest word without answering twice:

- a revoke before the turn drops the original from the turn (and from the history the brain
  reads later); after the turn there is nothing to take back;
- an edit before the turn replaces the pending text: the original leaves the turn and the
  edit takes its place in the burst, in the original's position; an edit of a message
  already answered is a new message (the brain sees it as a correction);
- an original that arrives after its revoke or edit is stored as revoked or edited.
"""

from __future__ import annotations

from datetime import datetime

from yume.models import Message

REVOKED = "revoked"
EDITED = "edited"  # replaced by the edit that names it
HIDDEN_STATUSES = (REVOKED, EDITED)  # never shown to a brain


def revoke(original_wamid: str | None, now: datetime) -> None:
    """The person deleted `original_wamid` (and whatever edits of it are pending)."""
    if not original_wamid:
        return
    Message.update(status=REVOKED, processed_at=now).where(
        (Message.direction == "in")
        & ((Message.wa_message_id == original_wamid) | (Message.about_wamid == original_wamid))
        & (Message.kind != "revoke")
        & Message.processed_at.is_null()
    ).execute()
    Message.update(status=REVOKED).where(
        (Message.direction == "in") & (Message.wa_message_id == original_wamid)
    ).execute()  # answered already: at least the history no longer shows it


def edit_placement(original_wamid: str | None, now: datetime) -> tuple[str, datetime | None]:
    """How to store an edit of `original_wamid`: ("pending", the original's time) when it
    replaces a message not yet answered (the original leaves the turn), ("silent", None)
    when the original was deleted, ("new", None) otherwise (answered already, or unknown)."""
    original = _original(original_wamid)
    if original is None:
        return "new", None
    if original.status == REVOKED:
        return "silent", None
    if original.processed_at is None:
        replaced = (
            Message.update(status=EDITED, processed_at=now)
            .where((Message.id == original.id) & Message.processed_at.is_null())
            .execute()
        )
        if replaced:
            return "pending", original.sent_at
    return "new", None


def arriving_late(wamid: str) -> str | None:
    """For an original that arrives after its revoke or edit: the status to store it with
    (REVOKED or EDITED), or None when nothing names it. An edit still waiting for its turn
    takes the original's place."""
    named = list(
        Message.select().where((Message.about_wamid == wamid) & (Message.direction == "in"))
    )
    if any(m.kind == "revoke" for m in named):
        return REVOKED
    edits = [m for m in named if m.kind == "edit"]
    if not edits:
        return None
    for pending in (m for m in edits if m.processed_at is None):
        inner = (pending.payload or {}).get("edited_kind") or "text"
        Message.update(kind=inner).where(Message.id == pending.id).execute()
    return EDITED


def _original(wamid: str | None) -> Message | None:
    if not wamid:
        return None
    return Message.get_or_none((Message.wa_message_id == wamid) & (Message.direction == "in"))
