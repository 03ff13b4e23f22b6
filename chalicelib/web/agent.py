"""The agent panel's data: one call for everything the agent needs first, and what
the agent does about the customer (find and link, merge, correct the profile, send
a contact summary).

`GET /agent/contacts/{contactId}` answers, for the contact the agent is handling:
- `state`: `known` (a profile the contact is linked to), `new` (a profile created
  for this very contact: the caller may be a customer under another address),
  `unknown` (no profile) or `erased` (the customer's data was erased: nothing shown);
- `who`: name, preferred language, tier and VIP, consent summary, addresses masked
  (`+40 7•• ••• 678`), customer since, how recognised;
- `why`: the open case (with its tier) and the last reason;
- `before`: one page of the timeline, newest first, each item one line in the
  agent's language, and the cursor of the next page;
- `wrapUp`: the wrap-up saved for this contact, if any, and whether it can still change;
- `verification` (with `who`): whether the customer proved who they are on this
  contact (or the contact it was transferred from): `verified`, the method
  (`code_sms`, `code_whatsapp`, `code_email`, `pin`) and when, and a line in the
  agent's language; never the code or the answer.

`POST /agent/contacts/{contactId}/verification-code` sends the customer a one-time
code (`{"channel": "sms"|"whatsapp"|"email"}`, empty: the first of
VERIFICATION_CHANNELS the profile has) to an address already on the profile, never
one the agent types; the customer reads it back, and the flow or the agent checks it
through the verification service. The answer names the channel and the address, masked.

The customer is found from the contact the way the timeline finds them: the link the
lookup flow wrote for the contact id (profiles.link_contact), else the interaction
keyed by the contact id (InitialContactId). Four DynamoDB calls whatever the
customer's history: one BatchGetItem (link, interaction, wrap-up), the customer's
GetItem, one Query of a page of the timeline index, one Query of the customer's
cases (and a BatchGetItem of them when there are any). Never a Scan.

`why.case` is the customer's open case on the desk (id, tier, status, reason, queue);
`POST /agent/contacts/{contactId}/case/escalate` moves it to its next tier.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from chalicelib.db import dynamo_errors, is_live, plain, utcnow
from chalicelib.errors import InvalidInput, NotFound, only_fields, only_params
from chalicelib.http import whole_number
from chalicelib.interactions.models import InteractionModel
from chalicelib.profiles.models import ContactLinkModel, CustomerModel
from chalicelib.profiles.service import Profiles
from chalicelib.settings import get_settings
from chalicelib.web import consent as consent_view
from chalicelib.web.words import agent_language, words

# Amazon Connect contact ids are UUIDs; accept the id shapes Connect has used.
_CONTACT_ID = re.compile(r"[A-Za-z0-9-]{1,128}")
PAGE_SIZE = 20
MAX_PAGE = 50
# A profile created this close to its contact link was created for that contact.
_NEW_PROFILE_WINDOW = timedelta(minutes=1)
_HOW = {"VOICE": "phone", "EMAIL": "email", "CHAT": "chat", "WHATSAPP": "wa", "SMS": "phone"}


def contact_id(raw: object) -> str:
    if not isinstance(raw, str) or not _CONTACT_ID.fullmatch(raw):
        raise InvalidInput("contactId must be an Amazon Connect contact id (letters, digits and -)")
    return raw


# ---- finding the contact's customer ------------------------------------------

def _contact_items(contact: str) -> tuple[ContactLinkModel | None, InteractionModel | None,
                                         InteractionModel | None, Any]:
    """The contact's link, its interaction, its wrap-up and its verification, in one
    BatchGetItem across the three tables (consistent: a wrap-up just saved, a code
    just read back, is seen)."""
    from chalicelib.db import connection
    from chalicelib.verification.models import VerificationModel
    from chalicelib.web.wrapup import entry_id

    settings = get_settings()
    links, interactions = settings.contact_links_table, settings.interactions_table
    verifications = settings.verification_table
    request: dict[str, Any] = {
        links: {"Keys": [{"contact_id": {"S": contact}}], "ConsistentRead": True},
        interactions: {"Keys": [{"interaction_id": {"S": contact}}, {"interaction_id": {"S": entry_id(contact)}}],
                       "ConsistentRead": True},
        verifications: {"Keys": [{"key": {"S": f"contact#{contact}"}}], "ConsistentRead": True},
    }
    found: dict[str, list[dict[str, Any]]] = {links: [], interactions: [], verifications: []}
    with dynamo_errors("reading a contact"):
        for _ in range(4):  # unprocessed keys (throttling) are asked for again
            answer = connection().client.batch_get_item(RequestItems=request)
            for table, items in answer.get("Responses", {}).items():
                found[table] += items
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                break
        else:
            from chalicelib.errors import DependencyFailure

            raise DependencyFailure("reading a contact failed: DynamoDB kept the keys unprocessed")
    link = next((ContactLinkModel.from_raw_data(raw) for raw in found[links]), None)
    by_id = {raw["interaction_id"]["S"]: InteractionModel.from_raw_data(raw) for raw in found[interactions]}
    wrap_up = by_id.get(entry_id(contact))
    wrap_up = wrap_up if is_live(wrap_up) and not wrap_up.erased else None  # type: ignore[union-attr]
    verified = next((VerificationModel.from_raw_data(raw) for raw in found[verifications]), None)
    return (link if is_live(link) else None), by_id.get(contact), wrap_up, (verified if is_live(verified) else None)


def _raw_customer(customer_id: str) -> CustomerModel | None:
    with dynamo_errors("reading a customer"):
        try:
            return CustomerModel.get(customer_id)
        except CustomerModel.DoesNotExist:
            return None


class ContactCustomer:
    """Who a contact belongs to, as far as the panel can tell."""

    def __init__(self, contact: str) -> None:
        self.contact_id = contact
        self.link, self.interaction, self.wrap_up, self.verified = _contact_items(contact)
        self.customer: CustomerModel | None = None
        self.erased = bool((self.interaction is not None and self.interaction.erased)
                           or (self.link is not None and self.link.erased))
        linked = self.link.customer_id if self.link else (self.interaction.customer_id if self.interaction else None)
        if linked and not self.erased:
            self.customer = Profiles(get_settings()).find(linked)
            if self.customer is None:
                raw = _raw_customer(linked)
                # A profile whose erasure started, or which is gone while the contact
                # still points at it: shown as erased, with nothing of theirs.
                self.erased = raw is None or raw.erasure_started_at is not None

    @property
    def contact_key(self) -> str:
        """The contact verification is kept for (the flow keeps it for the initial
        contact id, which is the one the panel is opened on for a call's first leg)."""
        return self.contact_id

    @property
    def state(self) -> str:
        if self.erased:
            return "erased"
        if self.customer is None:
            return "unknown"
        return "new" if self.how == "new" else "known"

    @property
    def channel(self) -> str:
        linked = self.link.channel if self.link else None
        return linked or (self.interaction.channel if self.interaction else None) or ""

    @property
    def how(self) -> str:
        customer = self.customer
        if customer is None:
            return ""
        # The lookup creates a profile for an unknown address and links the contact
        # right after: nameless, no earlier contact, created moments before the link.
        if self.link is not None and customer.created_at and not (customer.first_name or customer.last_name) \
                and not customer.last_contact_at \
                and timedelta(0) <= self.link.created_at - customer.created_at < _NEW_PROFILE_WINDOW:
            return "new"
        return _HOW.get(self.channel.upper(), "attribute")


# ---- showing ------------------------------------------------------------------

def mask_phone(e164: str) -> str:
    """`+40712345678` -> `+40 7•• ••• 678`: the country, the first digit and the last
    three, in the number's usual grouping."""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
        grouped = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return "•" * 6
    prefix, _, national = grouped.partition(" ")
    total = sum(c.isdigit() for c in national)
    seen, out = 0, []
    for char in national:
        if char.isdigit():
            seen += 1
            out.append(char if seen == 1 or seen > total - 3 else "•")
        else:
            out.append(char)
    return f"{prefix} {''.join(out)}"


def mask_email(address: str) -> str:
    """`ana.pop@example.ro` -> `a•••@example.ro`."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}"


def _masked(key: str) -> dict[str, str]:
    kind, _, value = key.partition("#")
    if kind in ("phone", "wa"):
        return {"kind": kind, "value": mask_phone(value)}
    if kind == "email":
        return {"kind": kind, "value": mask_email(value)}
    return {"kind": kind, "value": value[:4] + "•••"}


def _addresses(keys: Any, t: dict[str, Any]) -> list[dict[str, str]]:
    """Masked addresses, each with its kind in the agent's language."""
    names = {"phone": t["by_phone"], "email": t["by_email"], "wa": t["channels"]["WHATSAPP"],
             "chat": t["channels"]["CHAT"]}
    return [{**masked, "label": names.get(masked["kind"], masked["kind"])}
            for masked in map(_masked, sorted(keys or ()))]


def consent_summary(consent: dict[str, Any], t: dict[str, Any]) -> str:
    """`e-mail: service, surveys; SMS: service; ...` in the agent's language."""
    from chalicelib.profiles.schema import CHANNELS, DEFAULT_CONSENT

    parts = []
    for channel in CHANNELS:
        given = {**DEFAULT_CONSENT[channel], **(consent.get(channel) or {})}
        allowed = [t["purposes"][p] for p in ("transactional", "surveys", "marketing") if given.get(p)]
        parts.append(f"{t['consent_channels'].get(channel, channel)}: {', '.join(allowed) or t['consent_none']}")
    return "; ".join(parts)


def who(found: ContactCustomer, t: dict[str, Any]) -> dict[str, Any]:
    customer = found.customer
    assert customer is not None
    name = " ".join(n for n in (customer.first_name, customer.last_name) if n)
    language = (customer.preferred_language or "").split("-")[0].lower()
    return {
        "customerId": customer.customer_id,
        "name": name,
        "preferredLanguage": customer.preferred_language,
        "preferredLanguageName": t["languages"].get(language, customer.preferred_language),
        "tier": customer.tier or "standard",
        "tierName": t["tiers"].get(customer.tier or "standard", customer.tier),
        "vip": customer.tier == "vip",
        "consent": plain(customer.consent),
        "consentSummary": consent_summary(plain(customer.consent), t),
        "consentChannels": consent_view.shown(customer, t),
        "addresses": _addresses(customer.identities, t),
        "customerSince": customer.created_at.date().isoformat() if customer.created_at else None,
        "recognisedBy": found.how,
        "recognisedByText": t["recognised_by"].get(found.how, ""),
    }


def verification(found: ContactCustomer, t: dict[str, Any]) -> dict[str, Any]:
    """Whether this contact is verified (for this very customer), how and when; never the code."""
    assert found.customer is not None
    item = found.verified
    if item is None or item.customer_id != found.customer.customer_id:
        return {"verified": False, "method": None, "at": None, "text": t["not_verified"]}
    method = item.method or ""
    return {"verified": True, "method": method, "at": item.at.isoformat().replace("+00:00", "Z") if item.at else None,
            "text": t["verified_by"].format(method=t["verification_methods"].get(method, method))}


def why(customer: CustomerModel) -> dict[str, Any]:
    view: dict[str, Any] = {"openCaseId": customer.open_case_id, "lastReason": customer.last_reason}
    case = open_desk_case(customer.customer_id)
    if case is not None:
        view["case"] = {"caseId": case.case_id, "tier": case.tier, "status": case.status,
                        "reason": case.reason_id, "queue": case.queue}
    return view


_OPEN_STATUSES = ("open", "pending_customer")


def open_desk_case(customer_id: str) -> Any:
    """The customer's newest case on the desk that is still open (from the customer
    index: one Query and one BatchGetItem, never a Scan), or None."""
    from chalicelib.cases.desk import Desk

    return next((c for c in Desk(get_settings()).customer_cases(customer_id) if c.status in _OPEN_STATUSES), None)


def line(item: InteractionModel, t: dict[str, Any]) -> str:
    """What happened, in one line of the agent's language."""
    channel = t["channels"].get(item.channel or "", item.channel or "")
    kind = item.kind or "contact"
    parts = [channel if kind == "contact" else f"{channel}: {t['kinds'].get(kind, kind.replace('_', ' '))}"]
    detail = item.detail or {}
    if kind == "contact":
        if item.abandoned:
            parts.append(t["abandoned"])
        if item.agent:
            parts.append(t["with_agent"].format(agent=item.agent))
        if item.handle_seconds:
            parts.append(t["minutes"].format(n=max(1, round(int(item.handle_seconds) / 60))))
    reason = item.contact_reason or detail.get("reason")
    if reason:
        parts.append(t["reason_is"].format(reason=reason))
    resolved = item.resolved if kind == "contact" else {"true": True, "false": False}.get(str(detail.get("resolved")))
    if resolved is not None:
        parts.append(t["resolved"] if resolved else t["unresolved"])
    if kind == consent_view.KIND:
        parts.append(consent_view.line(detail, t))
    fcr = item.fcr.as_dict() if item.fcr is not None else {}
    if fcr.get("repeatContact"):
        parts.append(t["repeat"])
    return " · ".join(p for p in parts if p)


def before(customer_id: str, t: dict[str, Any], limit: int, cursor: str | None) -> dict[str, Any]:
    from chalicelib.interactions.service import Timeline

    items, following = Timeline(get_settings()).page(customer_id, limit, cursor)
    return {
        "items": [{"id": item.interaction_id, "at": item.started_at, "channel": item.channel,
                   "kind": item.kind or "contact", "line": line(item, t)} for item in items],
        "nextCursor": following,
    }


def _limit(raw: str | None) -> int:
    if raw is None:
        return PAGE_SIZE
    limit = whole_number(raw, 1, MAX_PAGE)
    if limit is None:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_PAGE}")
    return limit


def contact_view(raw_contact_id: str, query: dict[str, str] | None, accept_language: str | None) -> dict[str, Any]:
    """Everything the panel shows first for a contact (see the module's docstring)."""
    from chalicelib.web import wrapup

    contact = contact_id(raw_contact_id)
    query = only_params(query, ("lang", "limit"))
    limit = _limit(query.get("limit"))
    language = agent_language(query.get("lang"), accept_language)
    t = words(language)
    found = ContactCustomer(contact)
    view: dict[str, Any] = {"contactId": contact, "language": language, "state": found.state,
                            "wrapUp": wrapup.current(contact, found.interaction, found.wrap_up)}
    if found.customer is not None:
        view.update(who=who(found, t), verification=verification(found, t), why=why(found.customer),
                    before=before(found.customer.customer_id, t, limit, None))
    return view


def timeline_page(raw_contact_id: str, query: dict[str, str] | None, accept_language: str | None) -> dict[str, Any]:
    """An older page of the contact's customer's timeline (`?cursor=` from the last one)."""
    contact = contact_id(raw_contact_id)
    query = only_params(query, ("lang", "limit", "cursor"))
    if not query.get("cursor"):
        raise InvalidInput("cursor is required: the nextCursor of the page before")
    t = words(agent_language(query.get("lang"), accept_language))
    limit = _limit(query.get("limit"))
    found = ContactCustomer(contact)
    if found.customer is None:
        raise NotFound("this contact is not linked to a customer")
    return before(found.customer.customer_id, t, limit, query["cursor"])


# ---- acting -------------------------------------------------------------------

_SEARCH = {"phone": "phone", "email": "email"}


def search(raw_contact_id: str, body: dict[str, Any], accept_language: str | None) -> dict[str, Any]:
    """Find a customer by phone or e-mail for an unknown caller, optionally with the
    name the caller gives (then only a customer with that address and that name is
    answered): at most one, masked. The address is looked up by key, as the lookup
    does; names are never scanned. The address comes in the request body, never in a
    URL (URLs end up in logs)."""
    from chalicelib.profiles.identity import identity

    contact_id(raw_contact_id)
    only_fields(body, {"phone", "email", "name", "lang"})
    given = [k for k in _SEARCH if body.get(k)]
    if len(given) != 1:
        raise InvalidInput('search with exactly one of {"phone": ...} or {"email": ...}, and optionally {"name": ...}')
    name = body.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 100 or not _name_words(name)):
        raise InvalidInput("name must be the customer's name as text, up to 100 characters")
    t = words(agent_language(body.get("lang"), accept_language))
    settings = get_settings()
    customer = Profiles(settings).identify([identity(_SEARCH[given[0]], body[given[0]], settings.default_phone_region)])
    if customer is None:
        return {"customers": []}
    full_name = " ".join(n for n in (customer.first_name, customer.last_name) if n)
    if name and not _name_words(name) <= _name_words(full_name):
        return {"customers": []}
    return {"customers": [{
        "customerId": customer.customer_id, "name": full_name,
        "tierName": t["tiers"].get(customer.tier or "standard", customer.tier),
        "addresses": _addresses(customer.identities, t),
        "customerSince": customer.created_at.date().isoformat() if customer.created_at else None,
    }]}


def _name_words(name: str) -> set[str]:
    """A name's words, compared without case or diacritics (Ștefan, Stefan, ŞTEFAN)."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", name.casefold())
    plain_text = "".join(c for c in folded if not unicodedata.combining(c))
    return set(re.findall(r"\w+", plain_text))


def link(raw_contact_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Link the contact to the customer the agent found. With `merge: true` the
    profile created for this contact is merged into that customer first (the
    profiles' merge, audited; its history follows it)."""
    from chalicelib import events
    from chalicelib.profiles import schema

    contact = contact_id(raw_contact_id)
    only_fields(body, {"customerId", "merge"})
    if "customerId" not in body:
        raise InvalidInput('link takes {"customerId": "<id>", "merge": true|false}')
    target = schema.customer_id(body["customerId"])
    merge = body.get("merge", False)
    if not isinstance(merge, bool):
        raise InvalidInput("merge must be true or false")
    settings = get_settings()
    profiles = Profiles(settings)
    survivor = profiles.get(target)
    found = ContactCustomer(contact)
    if found.erased:
        raise InvalidInput("this contact's customer was erased; it cannot be linked")
    current = found.customer
    merged = False
    if merge:
        if current is None:
            raise InvalidInput("there is no profile on this contact to merge")
        if current.customer_id != survivor.customer_id:
            profiles.merge(survivor.customer_id, current.customer_id)
            # The duplicate's history follows it, as with every merge.
            events.announce(events.CUSTOMERS_MERGED,
                            {"duplicateId": current.customer_id, "survivorId": survivor.customer_id})
            merged = True
    profiles.link_contact(contact, survivor.customer_id, found.channel)
    return {"contactId": contact, "customerId": survivor.customer_id, "merged": merged}


_CORRECTABLE = {"preferredLanguage", "tier", "consent"}


def correct(raw_contact_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Correct the contact's customer's preferred language, tier or consent. A consent
    change is what the customer stated on this contact: the timeline keeps it as
    evidence, naming the contact (chalicelib.web.consent)."""
    from chalicelib.profiles import schema

    contact = contact_id(raw_contact_id)
    only_fields(body, _CORRECTABLE)
    if not body:
        raise InvalidInput(f"the panel corrects {', '.join(sorted(_CORRECTABLE))} only")
    settings = get_settings()
    request = schema.parse(body, default_region=settings.default_phone_region, partial=True)
    found = ContactCustomer(contact)
    if found.customer is None:
        raise NotFound("this contact is not linked to a customer")
    changed = consent_view.record(found.customer, contact, found.channel, body["consent"]) if "consent" in body else {}
    customer = Profiles(settings).update(found.customer.customer_id, request)
    return {"customerId": customer.customer_id, "preferredLanguage": customer.preferred_language,
            "tier": customer.tier, "consent": plain(customer.consent), "consentChanged": changed}


def send_summary(raw_contact_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Send the customer the contact summary e-mail (the `contact_summary` message),
    once per contact: sending again answers with the first send."""
    from chalicelib.db import utcnow
    from chalicelib.notify.service import notifier

    contact = contact_id(raw_contact_id)
    only_fields(body, {"done", "nextStep", "agentName"})
    done = body.get("done")
    if not isinstance(done, list) or not done or not all(isinstance(d, str) and d.strip() for d in done):
        raise InvalidInput("done must be a list of what was done, one non-empty line each")
    found = ContactCustomer(contact)
    if found.customer is None:
        raise NotFound("this contact is not linked to a customer")
    channel = {"CHAT": "chat", "EMAIL": "email", "WHATSAPP": "whatsapp"}.get(found.channel.upper(), "voice")
    variables: dict[str, Any] = {"contact_at": (found.interaction.started_at if found.interaction and
                                                found.interaction.started_at else utcnow().isoformat()),
                                 "channel": channel, "done": [d.strip() for d in done]}
    if body.get("nextStep"):
        variables["next_step"] = body["nextStep"]
    if body.get("agentName"):
        variables["agent_name"] = body["agentName"]
    outcome = notifier().send_to_customer(found.customer.customer_id, "contact_summary", variables,
                                          f"contact:{contact}:summary", channel="email", strict=True)
    return (200 if outcome.duplicate else 201), outcome.document()


CASE_FIELDS = {"reason", "priority", "subject", "note"}
PANEL_ACTOR = "agent-panel"


def open_case(raw_contact_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /agent/contacts/{contactId}/case`: a case for the contact's customer, opened
    from this contact (`reason`, `priority`, `subject`, `note`), answered with its id,
    tier, queue and first-reply due time. Checked whole before anything is written."""
    from chalicelib.cases.desk import Desk, document, read_new_case

    contact = contact_id(raw_contact_id)
    only_fields(body, CASE_FIELDS)
    found = ContactCustomer(contact)
    if found.customer is None:
        raise InvalidInput("the contact is nobody's yet: find or link the customer first", code="NO_CUSTOMER")
    new = read_new_case({**body, "customerId": found.customer.customer_id, "contactId": contact,
                         "agent": PANEL_ACTOR})
    desk = Desk(get_settings())
    case = document(desk, desk.open(new), with_events=False)
    return {"caseId": case["caseId"], "tier": case["tier"], "queue": case["queue"],
            "dueAt": case["sla"]["firstResponse"]["dueAt"]}


ESCALATE_FIELDS = frozenset({"reasonCode", "note", "skip", "skipReason", "lang"})


def escalate_case(raw_contact_id: str, body: dict[str, Any], accept_language: str | None = None) -> dict[str, Any]:
    """`POST /agent/contacts/{contactId}/case/escalate`: the customer's open case moves
    to the next tier (`reasonCode` of the desk's escalation reasons, `note`), through
    the desk's own escalation: a mandatory step of the current tier neither done nor
    skipped refuses it, naming the steps; `skip` (step -> why not done) or `skipReason`
    (one reason for every step not done) skips them as the desk allows. Answered with
    the case's id, the tier it left and the tier it is at. Checked whole before
    anything is written."""
    from chalicelib.cases.desk import ESCALATION_REASONS, MAX_NOTE, MAX_RESULT, Desk

    contact = contact_id(raw_contact_id)
    only_fields(body, ESCALATE_FIELDS)
    code = body.get("reasonCode")
    if code not in ESCALATION_REASONS:
        raise InvalidInput(f"reasonCode must be one of {', '.join(ESCALATION_REASONS)}")
    note = body.get("note")
    if not isinstance(note, str) or not note.strip() or len(note) > MAX_NOTE:
        raise InvalidInput(f"note must be non-empty text of at most {MAX_NOTE} characters")
    skip = body.get("skip", {})
    if not isinstance(skip, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                             and len(v) <= MAX_RESULT for k, v in skip.items()):
        raise InvalidInput("skip must map a step id to the reason it was not done")
    skip_reason = body.get("skipReason")
    if skip_reason is not None and (not isinstance(skip_reason, str) or not skip_reason.strip()
                                    or len(skip_reason) > MAX_RESULT):
        raise InvalidInput(f"skipReason must be non-empty text of at most {MAX_RESULT} characters")
    found = ContactCustomer(contact)
    if found.customer is None:
        raise NotFound("this contact is not linked to a customer", code="NO_CUSTOMER")
    listed = open_desk_case(found.customer.customer_id)
    if listed is None:
        raise NotFound("the customer has no open case to escalate", code="NO_OPEN_CASE")
    language = agent_language(body.get("lang"), accept_language)
    desk = Desk(get_settings())
    case = desk.get(listed.case_id)  # read consistently: a step just recorded counts
    from_tier = case.tier
    # The desk's own checks and refusals (last tier, closed, mandatory steps, a
    # concurrent change: expected at the version read here).
    try:
        changed = desk._escalate(case, PANEL_ACTOR, code, {k: v.strip() for k, v in skip.items()}, note.strip(),
                                 int(case.version), utcnow(), None,
                                 skip_missing=skip_reason.strip() if skip_reason else None)
    except InvalidInput as refused:
        if refused.code != "MANDATORY_STEPS_MISSING":
            raise
        raise InvalidInput(_missing_steps(case, refused.message, language), code=refused.code) from None
    return {"caseId": changed.case_id, "fromTier": from_tier, "tier": changed.tier, "queue": changed.queue,
            "status": changed.status}


def _missing_steps(case: Any, refusal: str, language: str) -> str:
    """The desk's refusal for steps not done, in the agent's language: each step by
    its playbook text and its id."""
    from chalicelib.cases import playbooks

    named = set(re.split(r"[:,]\s*", refusal))
    steps = [step for step in playbooks.for_reason(case.reason_id).steps(case.tier)
             if step.mandatory and step.step_id in named]
    listed = "; ".join(f"{step.to_document(language)['text']} ({step.step_id})" for step in steps)
    return words(language)["escalate_missing"].format(steps=listed or refusal)


CODE_CHANNELS = ("sms", "whatsapp", "email")
# A refused send, as the agent's HTTP answer: what is wrong, in words the panel shows.
_CODE_REFUSALS = {
    "LOCKED": "too many wrong answers: verification is locked for this customer for a while",
    "TOO_MANY_CODES": "this contact has been sent as many codes as it may have",
    "NO_ADDRESS": "the customer has no address on that channel on their profile",
    "CHANNEL_UNAVAILABLE": "this deployment does not send on that channel",
    "NOT_SENT": "the code could not be sent (consent, suppression or the channel refused it)",
}


def send_code(raw_contact_id: str, body: dict[str, Any], accept_language: str | None) -> dict[str, Any]:
    """`POST /agent/contacts/{contactId}/verification-code`: a one-time code for this
    contact to the customer's own address on `channel` (see the module's docstring)."""
    from chalicelib.connect.flow import FlowRequest
    from chalicelib.errors import Conflict
    from chalicelib.verification.assurance import Standing
    from chalicelib.verification.service import Refused, Verifications

    contact = contact_id(raw_contact_id)
    only_fields(body, {"channel", "lang"})
    channel = body.get("channel") or ""
    if channel not in ("", *CODE_CHANNELS):
        raise InvalidInput(f"channel must be one of {', '.join(CODE_CHANNELS)}")
    t = words(agent_language(body.get("lang"), accept_language))
    found = ContactCustomer(contact)
    if found.customer is None:
        raise NotFound("this contact is not linked to a customer")
    request = FlowRequest(contact_id=contact, initial_contact_id=found.contact_key,
                          channel=found.channel.upper())
    standing = Standing(request, found.customer, found.how)
    try:
        sent = Verifications(get_settings()).send_code(standing, channel)
    except Refused as refused:
        message = _CODE_REFUSALS.get(refused.code, "the code was not sent")
        if refused.code in ("LOCKED", "TOO_MANY_CODES"):
            raise Conflict(message, code=refused.code) from None
        raise InvalidInput(message, code=refused.code) from None
    to = mask_email(sent.address) if sent.channel == "email" else mask_phone(sent.address)
    return {"contactId": contact, "channel": sent.channel, "to": to, "validMinutes": sent.valid_minutes,
            "text": t["code_sent"].format(channel=t["code_channels"].get(sent.channel, sent.channel), to=to,
                                          minutes=sent.valid_minutes)}
