"""Amazon Connect's contact APIs this application calls: tasks for people to follow
up (StartTaskContact: the clinic's front desk, survey follow-ups), chats started for a
known customer (StartChatContact), and other contact operations named by their
callers (`call`).

Starting a task or a chat takes a client token, so a retried request (an event
delivered twice, a chat widget that resends) starts one contact, not two. Attributes
carry ids and routing facts only: Connect keeps them with the contact for two years.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib import aws
from chalicelib.connect.calls import ConnectCalls, checked_attributes, resource_id
from chalicelib.errors import DependencyFailure

MAX_TASK_NAME = 512
MAX_TASK_DESCRIPTION = 4096


def client() -> Any:
    """The Connect client (tests stub this one)."""
    return aws.client("connect")


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


class ConnectClient(ConnectCalls):
    """Amazon Connect, as this application calls it: tasks and chats besides the
    operations every caller names (`call`)."""

    @property
    def client(self) -> Any:
        return self._client or client()

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
            "Attributes": checked_attributes(attributes),
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
            "Attributes": checked_attributes(attributes),
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
