"""Data protection: what is held about a customer, and how it is exported and erased.

Every capability that stores personal data registers a *holder* for its tables in
`chalicelib.privacy.holders`, registered in `chalicelib/wiring.py`. A holder knows how to export and erase one
customer's items, reaching them through keys and indexes by customer id or address,
never a Scan. `GET /customers/{id}/export` asks every holder; `POST
/customers/{id}/erase` runs every holder once, records each one's progress on the
erasure record and keeps that record, without personal data, as proof.
"""
