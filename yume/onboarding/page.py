"""What the connect page needs from the configuration: where the Facebook SDK comes from,
and which origins may send it Embedded Signup's `message` events."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from yume.config import Config

FACEBOOK_SDK_HOST = "connect.facebook.net"
FACEBOOK_ORIGIN = "https://*.facebook.com"  # Meta's own check: origin ends in facebook.com


def allowed_origins(config: Config) -> list[str]:
    """META_SDK_ORIGIN when set (comma-separated); else derived from META_SDK_URL: Meta's SDK
    talks from facebook.com, any other SDK (a test's fake) from its own origin."""
    if config.meta_sdk_origin:
        return [o.strip().rstrip("/") for o in config.meta_sdk_origin.split(",") if o.strip()]
    parts = urlsplit(config.meta_sdk_url)
    if parts.hostname == FACEBOOK_SDK_HOST or (parts.hostname or "").endswith(".facebook.net"):
        return [FACEBOOK_ORIGIN]
    return [f"{parts.scheme}://{parts.netloc}"]


def page_settings(config: Config, session_url: str, status_url: str) -> dict[str, Any]:
    """The JSON the page's script reads (no secret in it: app and configuration ids are
    public, as in Meta's own snippet)."""
    return {
        "appId": config.meta_app_id or "",
        "configId": config.meta_config_id or "",
        "graphVersion": config.meta_api_version,
        "allowedOrigins": allowed_origins(config),
        "sessionUrl": session_url,
        "statusUrl": status_url,
    }
