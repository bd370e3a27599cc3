"""The frontend's error codes come from the API's OpenAPI document, and tsc holds it to them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from app.main import create_app

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
BIN = FRONTEND / "node_modules" / ".bin"
# `code === "lease_used"`, `error.code !== "x"`: the frontend's comparisons with a code literal.
CODE_LITERAL = re.compile(r"\bcode\s*[!=]==?\s*\"([a-z0-9_]+)\"")
BOGUS = "no_such_error_code_anywhere"


def _openapi() -> dict[str, Any]:
    document: dict[str, Any] = create_app().openapi()
    return document


def _api_codes(document: dict[str, Any]) -> list[str] | None:
    schema = document.get("components", {}).get("schemas", {}).get("ErrorCode")
    return None if schema is None else list(schema["enum"])


def _frontend_codes() -> set[str]:
    return {
        code
        for path in (FRONTEND / "src").rglob("*.ts")
        if path.name != "api-types.ts"
        for code in CODE_LITERAL.findall(path.read_text(encoding="utf-8"))
    }


def _typecheck(tmp_path: Path, document: dict[str, Any], probe: str | None) -> str | None:
    """Generate the API types from `document` into a copy of the frontend and run tsc on it.

    Returns None when it compiles, else tsc's output.
    """
    if not (BIN / "tsc").exists() or not (BIN / "openapi-typescript").exists():
        pytest.fail("frontend/node_modules is missing: run `make frontend`")
    copy = tmp_path / "frontend"
    shutil.copytree(FRONTEND / "src", copy / "src", ignore=shutil.ignore_patterns("api-types.ts"))
    shutil.copy(FRONTEND / "tsconfig.json", copy / "tsconfig.json")
    shutil.copy(FRONTEND / "vite.config.ts", copy / "vite.config.ts")
    (copy / "node_modules").symlink_to(FRONTEND / "node_modules")
    (copy / "openapi.json").write_text(json.dumps(document), encoding="utf-8")
    subprocess.run(
        [BIN / "openapi-typescript", "openapi.json", "--output", "src/lib/api-types.ts"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    if probe is not None:
        (copy / "src" / "probe.ts").write_text(probe, encoding="utf-8")
    result = subprocess.run(
        [BIN / "tsc", "--noEmit", "-p", "tsconfig.json"], cwd=copy, capture_output=True, text=True
    )
    return None if result.returncode == 0 else result.stdout + result.stderr


def test_every_error_code_the_frontend_names_is_in_the_api_catalogue() -> None:
    codes = _api_codes(_openapi())
    if codes is None:
        pytest.skip("openapi.json has no components.schemas.ErrorCode yet (the error catalogue)")
    assert _frontend_codes() - set(codes) == set()


def test_tsc_rejects_an_error_code_the_api_does_not_have(tmp_path: Path) -> None:
    document = _openapi()
    if _api_codes(document) is None:
        # Until the backend publishes its catalogue, stand in one made of the codes the frontend
        # names, so this still proves that the typing bites.
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas["ErrorCode"] = {"type": "string", "enum": sorted(_frontend_codes())}
    assert BOGUS not in (_api_codes(document) or [])
    assert _typecheck(tmp_path / "as-is", document, probe=None) is None
    probe = (
        'import type { ApiError } from "./lib/api";\n'
        f'export const bogus = (error: ApiError) => error.code === "{BOGUS}";\n'
    )
    output = _typecheck(tmp_path / "probe", document, probe=probe)
    assert output is not None and "TS2367" in output and BOGUS in output
