"""Amazon Connect's contact APIs this application calls: tasks for people to follow
up (StartTaskContact: the clinic's front desk, survey follow-ups), chats started for a
known customer (StartChatContact), and other contact operations named by their
callers (`call`).

Starting a task or a chat takes a client token, so a retried request (an event
delivered twice, a chat widget that resends) starts one contact, not two. Attributes
carry ids and routing facts only: Connect keeps them with the contact for two years.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib import aws
from chalicelib.errors import DependencyFailure, InvalidInput
from chalicelib.settings import Settings

_ATTRIBUTE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,128}\Z")
MAX_TASK_NAME = 512
MAX_TASK_DESCRIPTION = 4096


def client() -> Any:
    """The Connect client (tests stub this one)."""
    return aws.client("connect")


def resource_id(value: str, marker: str) -> str:
    """An instance or flow id from its ARN (`.../instance/<id>`), or the id as given."""
    return value.rsplit(f"{marker}/", 1)[-1] if f"{marker}/" in value else value


def _attributes(attributes: dict[str, str]) -> dict[str, str]:
    bad = [k for k in attributes if not _ATTRIBUTE_KEY.match(k)]
    if bad:
        raise InvalidInput(f"contact attribute keys must be letters, digits, '-' or '_': {', '.join(bad)}")
    return {k: str(v)[:1024] for k, v in attributes.items() if v not in (None, "")}


def _reference(value: str | int) -> dict[str, str]:
    if isinstance(value, int) and not isinstance(value, bool):
        return {"Value": str(value), "Type": "NUMBER"}
    return {"Value": str(value)[:4096], "Type": "STRING"}


@dataclass(frozen=True)
class StartedChat:
    contact_id: str
    participant_id: str
    participant_token: str
    continued_from: str | None


class ConnectClient:
    """Amazon Connect, as this application calls it (errors translated: a refused
    request is InvalidInput, anything else DependencyFailure)."""

    def __init__(self, settings: Settings, connect: Any = None) -> None:
        self.settings = settings
        self._client = connect

    @property
    def client(self) -> Any:
        return self._client or client()

    @property
    def instance_id(self) -> str:
        if not self.settings.connect_instance_arn:
            raise DependencyFailure("CONNECT_INSTANCE_ARN is not set")
        return resource_id(self.settings.connect_instance_arn, "instance")

    def _call(self, action: str, operation: str, **request: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(**request)
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            if code in ("InvalidRequestException", "InvalidParameterException"):
                raise InvalidInput(f"{action}: Amazon Connect refused the request ({code})", code=code) from e
            raise DependencyFailure(f"{action} failed: {code or 'unavailable'}") from e
        except BotoCoreError as e:
            raise DependencyFailure(f"{action} failed: {type(e).__name__}") from e

    def start_task(self, *, name: str, description: str, attributes: dict[str, str],
                   references: Mapping[str, str | int], client_token: str, flow: str | None = None,
                   related_contact: str | None = None, action: str = "starting a task") -> str:
        """A task in `flow` (a flow id or ARN; by default the task flow,
        CONNECT_TASK_FLOW_ID), which queues it for people to pick up. `references`
        are shown on the task as name -> text (a number as a number). With
        `related_contact` the agent sees that contact, and Connect copies its
        attributes to the task. Returns the task's contact id; the same client token
        returns the same task. `action` names the work in a failure's message."""
        flow = flow or self.settings.connect_task_flow_id
        if not flow:
            raise DependencyFailure("CONNECT_TASK_FLOW_ID is not set")
        request: dict[str, Any] = {
            "InstanceId": self.instance_id, "ContactFlowId": resource_id(flow, "contact-flow"),
            "Name": name[:MAX_TASK_NAME], "Description": description[:MAX_TASK_DESCRIPTION],
            "Attributes": _attributes(attributes),
            "References": {key: _reference(value) for key, value in references.items() if value not in (None, "")},
            "ClientToken": client_token[:500],
        }
        if related_contact:
            request["RelatedContactId"] = related_contact
        answer = self._call(action, "start_task_contact", **request)
        return str(answer["ContactId"])

    def start_chat(self, *, display_name: str, attributes: dict[str, str], customer_id: str,
                   previous_chat: str | None, client_token: str | None) -> StartedChat:
        """A chat in the chat flow (CONNECT_CHAT_FLOW_ID). With `previous_chat` (the
        initial contact id of the customer's last ended chat) the agent sees that
        whole conversation above the new one (persistent chat)."""
        if not self.settings.connect_chat_flow_id:
            raise DependencyFailure("CONNECT_CHAT_FLOW_ID is not set")
        request: dict[str, Any] = {
            "InstanceId": self.instance_id,
            "ContactFlowId": resource_id(self.settings.connect_chat_flow_id, "contact-flow"),
            "ParticipantDetails": {"DisplayName": display_name[:256]},
            "Attributes": _attributes(attributes),
            "SupportedMessagingContentTypes": ["text/plain", "text/markdown"],
            "CustomerId": customer_id,
        }
        if client_token:
            request["ClientToken"] = client_token[:500]
        if previous_chat:
            request["PersistentChat"] = {"RehydrationType": "ENTIRE_PAST_SESSION", "SourceContactId": previous_chat}
        answer = self._call("starting a chat", "start_chat_contact", **request)
        return StartedChat(contact_id=str(answer["ContactId"]), participant_id=str(answer["ParticipantId"]),
                           participant_token=str(answer["ParticipantToken"]),
                           continued_from=answer.get("ContinuedFromContactId"))

    def call(self, action: str, operation: str, **request: Any) -> dict[str, Any]:
        """Another contact operation of this instance, with the same bounded client and
        error translation. The caller names the operation in its own module: the IAM
        permission is derived from the code that names it, so only the function that
        makes the call is granted it (the agent panel's wrap-up:
        `update_contact_attributes`)."""
        if "Attributes" in request:
            request["Attributes"] = _attributes(request["Attributes"])
        return self._call(action, operation, InstanceId=self.instance_id, **request)
