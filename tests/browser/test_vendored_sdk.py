"""The vendored Amazon Connect SDK runs in the browser as the agent panel loads it:
a plain script that exposes the app and contact clients."""

from __future__ import annotations

from devkit.vendor import SDK_FILE, VENDOR


def test_the_sdk_bundle_loads_as_a_plain_script_and_exposes_its_clients(page):
    page.set_content("<!DOCTYPE html><title>panel</title>")
    page.add_script_tag(path=str(VENDOR / SDK_FILE))
    exposed = page.evaluate("""() => ({
        init: typeof AmazonConnectSDK.AmazonConnectApp.init,
        attributes: typeof AmazonConnectSDK.ContactClient.prototype.getAttributes,
    })""")
    assert exposed == {"init": "function", "attributes": "function"}
