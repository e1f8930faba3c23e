"""Connecting a business to WhatsApp and keeping it connected (issue 10): invite links, the
connect page's server side, the onboarding steps against Meta's Graph API, the connection's
state and lifecycle, template approval, and what Coexistence brings in."""
