"""Write the API's OpenAPI document (as /api/v1/openapi.json serves it) without a server.

The frontend's build generates its response types and error-code union from it:
`python scripts/openapi.py frontend/openapi.json`, or to stdout without an argument.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# This checkout's `app`, also when the virtualenv's editable install points at another one.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.main import create_app


def main(argv: list[str]) -> None:
    """Dump the document to the path given, or to stdout."""
    document = json.dumps(create_app().openapi(), indent=1, sort_keys=True) + "\n"
    if len(argv) > 1:
        Path(argv[1]).write_text(document, encoding="utf-8")
    else:
        sys.stdout.write(document)


if __name__ == "__main__":
    main(sys.argv)
