"""The API reference page as an integrator reads it, rendered from an OpenAPI document:
who may call each operation, its parameters, body fields with their types and limits,
its answers, and the pages that explain it."""

from __future__ import annotations

from devkit import docs_hooks

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "Contact center API", "version": "1.0.0"},
    "components": {"schemas": {"Tier": {"type": "string", "enum": ["standard", "gold", "vip"]}},
                   "responses": {"Invalid": {"description": "Message names the field"}}},
    "paths": {
        "/customers/{customer_id}": {"patch": {
            "summary": "Change a profile",
            "security": [{"sigv4": []}],
            "parameters": [{"name": "customer_id", "in": "path", "required": True,
                            "schema": {"type": "string", "minLength": 1}}],
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["tier"],
                "properties": {"tier": {"$ref": "#/components/schemas/Tier"},
                               "firstName": {"type": "string", "maxLength": 100, "description": "as they say it"}}}}}},
            "responses": {"200": {"description": "The profile"}, "400": {"$ref": "#/components/responses/Invalid"}},
        }},
        "/s/{token}": {"get": {
            "summary": "The survey form", "security": [], "x-public": "the token is signed and expiring",
            "x-fuzz": {"skip": True, "reason": "a valid token cannot be guessed"},
            "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "The form"}},
        }},
    },
}


def test_each_operation_says_who_may_call_it_what_it_takes_and_what_it_answers():
    # Given the app's document and a capability page that names one of its routes
    described = {"/customers/{}": ["profiles.md"]}
    # When the reference is rendered
    page = docs_hooks.api_from_openapi(DOCUMENT, described, {"profiles.md": "Customers and profiles"})
    # Then the protected operation names its authorizer, path parameter, body fields and answers
    assert "### `PATCH /customers/{customer_id}`" in page
    assert "Behind the stage's authorizer (sigv4)." in page
    assert "| `customer_id` | path | string (length ≥ 1) | yes |" in page
    assert '| `tier` | `"standard"`, `"gold"`, `"vip"` | yes |' in page
    assert "| `firstName` | string (length ≤ 100) |  | as they say it |" in page
    assert "| 400 | Message names the field |" in page
    assert "Described in [Customers and profiles](profiles.md)." in page
    # And the public one says why it is public and why it is not fuzzed
    assert "Public: the token is signed and expiring." in page
    assert "Not fuzzed: a valid token cannot be guessed" in page
