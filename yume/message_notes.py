"""What a message carries besides its text, as one short Spanish line for a brain: the
Click-to-WhatsApp ad it came from (referral) and the items of a catalog order."""

from __future__ import annotations

from typing import Any

from yume.models import Message


def context_note(message: Message) -> str:
    """ "" when the message carries neither."""
    payload: dict[str, Any] = message.payload or {}
    notes = [note for note in (_referral(payload), _order(payload)) if note]
    return "\n".join(notes)


def _referral(payload: dict[str, Any]) -> str:
    referral = payload.get("referral") or {}
    if not isinstance(referral, dict) or not referral:
        return ""
    headline = referral.get("headline") or referral.get("body") or ""
    ad = referral.get("source_id") or ""
    what = f"el anuncio «{headline}»" if headline else "un anuncio"
    return f"[llegó desde {what}{f' (id {ad})' if ad else ''}]"


def _order(payload: dict[str, Any]) -> str:
    order = payload.get("order") or {}
    items = order.get("items") if isinstance(order, dict) else None
    if not items:
        return ""
    lines = [_item(item) for item in items if isinstance(item, dict)]
    return "[pedido del catálogo: " + "; ".join(line for line in lines if line) + "]"


def _item(item: dict[str, Any]) -> str:
    name = item.get("product_retailer_id") or "producto"
    price = item.get("item_price")
    currency = item.get("currency") or ""
    cost = f" a ${price} {currency}".rstrip() if price not in (None, "") else ""
    return f"{item.get('quantity') or 1} × {name}{cost}"
