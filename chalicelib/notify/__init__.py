"""Messages to customers on every channel: e-mail (SES), WhatsApp and SMS.

- `service`: the one entry point that sends, whatever the channel;
- `outbox`: one record per message, so a retry never sends twice;
- `suppressions`: addresses that bounced or complained, never sent to again;
- `render`: Jinja2 templates per language.
"""
