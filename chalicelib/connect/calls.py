"""Amazon Connect's contact operations, called with one bounded client and one
translation of errors (a refused request is InvalidInput, anything else
DependencyFailure). The caller names each operation in its own module: a function's
IAM permissions are derived from the code it loads (deploy/hardening.py), so a
function that only reads (predict_reason reading an e-mail) loads this module and is
granted only what it names, while starting tasks and chats lives in
chalicelib/connect/client.py."""

from __future__ import annotations

import re
from typing import Any

from chalicelib.errors import DependencyFailure, InvalidInput
from chalicelib.settings import Settings

_ATTRIBUTE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,128}\Z")


def resource_id(value: str, marker: str) -> str:
    """An instance or flow id from its ARN (`.../instance/<id>`), or the id as given."""
    return value.rsplit(f"{marker}/", 1)[-1] if f"{marker}/" in value else value


def checked_attributes(attributes: dict[str, str]) -> dict[str, str]:
    """Contact attributes as Connect takes them: keys checked, values cut to 1,024
    characters, empty ones left out."""
    bad = [k for k in attributes if not _ATTRIBUTE_KEY.match(k)]
    if bad:
        raise InvalidInput(f"contact attribute keys must be letters, digits, '-' or '_': {', '.join(bad)}")
    return {k: str(v)[:1024] for k, v in attributes.items() if v not in (None, "")}


class ConnectCalls:
    """Contact operations of this instance, errors translated."""

    def __init__(self, settings: Settings, connect: Any = None) -> None:
        self.settings = settings
        self._client = connect

    @property
    def client(self) -> Any:
        """The boto3 Connect client the calls go through (ConnectClient falls back to
        the application's default one)."""
        return self._client

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

    def call(self, action: str, operation: str, **request: Any) -> dict[str, Any]:
        """Another contact operation of this instance, with the same bounded client and
        error translation. The caller names the operation in its own module: the IAM
        permission is derived from the code that names it, so only the function that
        makes the call is granted it (the agent panel's wrap-up:
        `update_contact_attributes`)."""
        if "Attributes" in request:
            request["Attributes"] = checked_attributes(request["Attributes"])
        return self._call(action, operation, InstanceId=self.instance_id, **request)
