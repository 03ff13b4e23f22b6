"""Rebuild the vendored front-end files from their pinned sources: `make vendor`.

Each vendored file under chalicelib/static/vendor/ is listed in vendor.json with the
packages and versions it was built from, their licence and its SHA-256; the tests check
every file against that list, so a file changed by hand is caught. Rebuilding needs
Node.js and npm (the registry only); `make demo` and `make test` use the committed files
and need neither.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from devkit.localenv import PROJECT

VENDOR = PROJECT / "chalicelib" / "static" / "vendor"
MANIFEST = VENDOR / "vendor.json"

# The Amazon Connect SDK for the agent panel (ESM only upstream): bundled once by
# esbuild into a plain script that exposes `AmazonConnectSDK`.
SDK_SOURCE = PROJECT / "frontend" / "agent-sdk"
SDK_FILE = "amazon-connect-sdk.js"

# uPlot for the supervisors' dashboard charts: its published minified script and style,
# copied as they are, with its licence.
CHARTS_SOURCE = PROJECT / "frontend" / "charts"
UPLOT_FILES = {"uPlot.iife.min.js": "uplot.min.js", "uPlot.min.css": "uplot.min.css"}
UPLOT_LICENCE = "uplot.LICENSE.txt"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _build_sdk() -> dict:
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=SDK_SOURCE, check=True)
    subprocess.run([str(SDK_SOURCE / "node_modules" / ".bin" / "esbuild"), "entry.js", "--bundle", "--format=iife",
                    "--minify", "--target=es2019", "--legal-comments=none", f"--outfile={VENDOR / SDK_FILE}"],
                   cwd=SDK_SOURCE, check=True)
    lock = json.loads((SDK_SOURCE / "package-lock.json").read_text(encoding="utf-8"))
    bundled = {name.removeprefix("node_modules/"): entry["version"] for name, entry in lock["packages"].items()
               if name.startswith("node_modules/@amazon-connect/")}
    return {"file": SDK_FILE, "source": "frontend/agent-sdk (package.json, package-lock.json, entry.js)",
            "packages": bundled, "licence": "Apache-2.0", "licenceFile": f"{SDK_FILE}.LICENSE.txt",
            "sha256": sha256(VENDOR / SDK_FILE)}


def _copy_uplot() -> list[dict]:
    import shutil

    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=CHARTS_SOURCE, check=True)
    package = CHARTS_SOURCE / "node_modules" / "uplot"
    version = json.loads((package / "package.json").read_text(encoding="utf-8"))["version"]
    shutil.copyfile(package / "LICENSE", VENDOR / UPLOT_LICENCE)
    entries = []
    for published, name in UPLOT_FILES.items():
        shutil.copyfile(package / "dist" / published, VENDOR / name)
        entries.append({"file": name, "source": f"frontend/charts (package.json, package-lock.json): dist/{published}",
                        "packages": {"uplot": version}, "licence": "MIT", "licenceFile": UPLOT_LICENCE,
                        "sha256": sha256(VENDOR / name)})
    return entries


def main() -> int:
    VENDOR.mkdir(parents=True, exist_ok=True)
    files = [_build_sdk(), *_copy_uplot()]
    MANIFEST.write_text(json.dumps({"files": files}, indent=2) + "\n", encoding="utf-8")
    for entry in files:
        print(f"{entry['file']}: {(VENDOR / entry['file']).stat().st_size} bytes, sha256 {entry['sha256']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
