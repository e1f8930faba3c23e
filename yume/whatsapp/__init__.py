"""WhatsApp Cloud API: webhooks in, messages out.

- `signature`: verify Meta's X-Hub-Signature-256 on webhook deliveries.
- `payloads`: parse webhook JSON into typed inbound messages and status updates.
- `client`: the one seam for every Graph API call (sending, mark-as-read, media download),
  with Meta's failures classified as transient / ambiguous / window_closed / permanent.
"""
