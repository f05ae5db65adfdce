"""JSON Schemas of the content files, generated from the pydantic models the build validates with.

`python3 build.py schema` writes schema/<kind>.schema.json; editors use them to complete field
names, show each field's description and flag mistakes as the author types (see the README,
"Editor support"). The build's own checks remain the authority: a schema cannot express the rules
that span files (a citation naming a source that exists, a quote containing its figure).
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from .model import Sheet, SiteConfig, Source, Statistic

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"

# schema kind -> (its model, the files it describes)
KIND_MODELS: dict[str, tuple[type[BaseModel], str]] = {
    "source": (Source, "content/sources/*.yaml"),
    "statistic": (Statistic, "content/stats/*.yaml"),
    "sheet": (Sheet, "content/sheets/*.yaml"),
    "site": (SiteConfig, "content/site.yaml"),
}


def schema_for(kind: str) -> dict:
    model, files = KIND_MODELS[kind]
    generated = model.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{generated.pop('title')} ({files})",
        "description": f"One file of {files}. Generated from factsite/model.py by `python3 build.py schema`: "
                       "do not edit by hand. `python3 build.py check` applies every rule, including those "
                       "across files that a schema cannot express.",
        **generated,
    }


def schema_text(kind: str) -> str:
    return json.dumps(schema_for(kind), indent=2, ensure_ascii=False) + "\n"


def schema_path(kind: str, folder: Path = SCHEMA_DIR) -> Path:
    return folder / f"{kind}.schema.json"


def write_schemas(folder: Path = SCHEMA_DIR) -> list[Path]:
    """Write every schema; returns the files that changed."""
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for kind in KIND_MODELS:
        path, text = schema_path(kind, folder), schema_text(kind)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def stale_schemas(folder: Path = SCHEMA_DIR) -> list[str]:
    """Kinds whose schema file is missing or differs from the models."""
    return [kind for kind in KIND_MODELS
            if not schema_path(kind, folder).is_file()
            or schema_path(kind, folder).read_text(encoding="utf-8") != schema_text(kind)]
