"""Who is really on the line: recognised is not verified.

A caller id or a typed address *recognises* a customer; it proves nothing (numbers
are easy to spoof). Every contact-flow function that says or changes something
personal declares the assurance it needs (`levels.py`): `none`, `recognised` (the
contact's own address, or an authenticated website session, matches a profile) or
`verified` (the customer proved it in this contact: a one-time code sent to an
address already on the profile, or their PIN). Below it the function answers
`status=NOT_VERIFIED` and nothing personal (`assurance.py`).

- `levels.py`   the assurance each action needs, defaults in one place
- `assurance.py` what a contact has reached, and the gate flow functions wear
- `codes.py`    codes and PINs: drawn, salted and hashed, compared in constant time
- `service.py`  sending and checking codes and PINs, tries, locks, alerts, counters
- `flow.py`     the flow functions send_verification_code, check_verification_code,
                check_verification_pin
- `models.py`   the verification table; `privacy.py` its export and erasure
"""
