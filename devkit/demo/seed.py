"""Sample customers, one per market, created through the real REST API."""

from __future__ import annotations

from devkit.demo.stage import Stage

CUSTOMERS = {
    "ana": {"firstName": "Ana", "lastName": "Popescu", "phone": "+40 712 345 678", "email": "ana.popescu@example.ro",
            "preferredLanguage": "ro-RO", "timeZone": "Europe/Bucharest", "tier": "gold"},
    "giulia": {"firstName": "Giulia", "lastName": "Rossi", "phone": "+39 333 123 4567",
               "email": "giulia.rossi@example.it", "preferredLanguage": "it-IT", "timeZone": "Europe/Rome"},
    "eszter": {"firstName": "Eszter", "lastName": "Nagy", "whatsapp": "+36 20 123 4567",
               "email": "eszter.nagy@example.hu", "preferredLanguage": "hu-HU", "timeZone": "Europe/Budapest"},
    "james": {"firstName": "James", "lastName": "Walker", "phone": "+44 7400 123456", "email": "james@example.co.uk",
              "preferredLanguage": "en-GB", "timeZone": "Europe/London", "tier": "vip"},
}


def create(stage: Stage) -> dict[str, dict]:
    """Create the sample customers (also used by `python -m devkit.call`)."""
    for key, body in CUSTOMERS.items():
        status, profile = stage.http("POST", "/customers", body)
        if status != 201:
            raise SystemExit(f"seeding {key} failed: {status} {profile}")
        stage.customers[key] = profile
    return stage.customers


def run(stage: Stage) -> None:
    stage.transcript.act("Seeding sample customers through POST /customers")
    for profile in create(stage).values():
        name = f"{profile['firstName']} {profile['lastName']}"
        stage.transcript.say(f"{name:<15} {profile['preferredLanguage']:<6} tier={profile['tier']:<8} "
                             f"id={profile['id']}")
