"""Retail returns: a customer asks to return an order on any channel; the order is
checked, a return case is opened, a carrier books the pickup, and the customer gets
the AWB number by voice (or chat), a WhatsApp message and an e-mail with the label.

- `orders`: the `OrderSource` interface and the built-in one over the orders table;
- `carrier`: the `Carrier` interface and the deterministic local carrier;
- `returns`: the journey (start, status, follow-up);
- `status`: contact-flow function `return_status` and the reads it makes (only reads);
- `flow`: contact-flow function `start_return`;
- `api`: `GET /returns/{id}`.
"""
