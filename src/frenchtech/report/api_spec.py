"""The OpenAPI 3.1 description of the read-only showcase API."""
from __future__ import annotations

from frenchtech import __version__

BASE = "/api/showcase/v1"
TABLES = ["territories", "scores", "indicators", "measures", "normalised", "decisions", "flags",
          "structures", "initiatives"]

_META = {
    "campaign": {"type": "string"}, "generated": {"type": "boolean", "description": "true when the figures come from generated demo evidence"},
    "attribution": {"type": "string"}, "attribution_fr": {"type": "string", "description": "the attribution in French"},
    "licence": {"type": "string"},
    "decisions": {"type": "string", "enum": ["proposed", "published"],
                  "description": "served by the platform: whether the decisions are the audit's proposals or "
                                 "the decisions the programme published"},
}
_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}, "detail": {"type": "string"}}}
_ROW = {"type": "object", "additionalProperties": True}


def _json(schema_ref: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": schema_ref}}}}


def _not_found() -> dict:
    return _json("#/components/schemas/Error", "Unknown table or territory, or no published audit")


def openapi_document(tables=None) -> dict:
    names = list(tables or TABLES)
    return {
        "openapi": "3.1.0",
        "info": {"title": "French Tech showcase API", "version": __version__,
                 "description": "Read-only access to the published tables of a labelling campaign: territories, "
                                "scores with rank intervals, indicators, decisions, declared-vs-observed flags, "
                                "structures and initiatives. Figures from generated demo evidence carry "
                                "generated=true.",
                 "license": {"name": "Licence Ouverte / Open Licence 2.0",
                             "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence"}},
        "servers": [{"url": "/"}],
        "paths": {
            f"{BASE}/": {"get": {"operationId": "index", "summary": "Campaign and the list of published tables",
                                 "responses": {"200": _json("#/components/schemas/Index", "Campaign summary"),
                                               "404": _not_found()}}},
            f"{BASE}/tables/{{table}}": {"get": {
                "operationId": "table", "summary": "Rows of one published table",
                "parameters": [
                    {"name": "table", "in": "path", "required": True, "schema": {"type": "string", "enum": names}},
                    {"name": "territory", "in": "query", "required": False, "schema": {"type": "string"},
                     "description": "Only the rows of this territory"},
                    {"name": "limit", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
                    {"name": "offset", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 0, "maximum": 1000000000, "default": 0}}],
                "responses": {"200": _json("#/components/schemas/Table", "A page of rows"),
                              "400": _json("#/components/schemas/Error", "Bad query parameter"),
                              "404": _not_found()}}},
            f"{BASE}/territories/{{territory}}": {"get": {
                "operationId": "territory", "summary": "Everything published about one territory",
                "parameters": [{"name": "territory", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _json("#/components/schemas/Territory", "The territory's profile"),
                              "404": _not_found()}}},
            f"{BASE}/dictionary": {"get": {
                "operationId": "dictionary", "summary": "The data dictionary of every published table",
                "responses": {"200": _json("#/components/schemas/Dictionary", "Columns with their meaning"),
                              "404": _not_found()}}},
            f"{BASE}/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This description",
                "responses": {"200": {"description": "OpenAPI document",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        },
        "components": {"schemas": {
            "Error": _ERROR,
            "Index": {"type": "object", "required": ["campaign", "generated", "tables"], "properties": {
                **_META, "name": {"type": "string"}, "name_en": {"type": "string"}, "version": {"type": "string"},
                "tables": {"type": "array", "items": {"type": "object", "required": ["name", "rows"], "properties": {
                    "name": {"type": "string"}, "rows": {"type": "integer"}, "description": {"type": "string"},
                    "url": {"type": "string"}}}}}},
            "Table": {"type": "object", "required": ["table", "total", "rows", "generated"], "properties": {
                **_META, "table": {"type": "string"}, "total": {"type": "integer"}, "offset": {"type": "integer"},
                "limit": {"type": "integer"}, "rows": {"type": "array", "items": _ROW}}},
            "Territory": {"type": "object", "required": ["territory", "generated"], "properties": {
                **_META, "territory": _ROW, "score": {"anyOf": [_ROW, {"type": "null"}]},
                "indicators": {"anyOf": [_ROW, {"type": "null"}]}, "decision": {"anyOf": [_ROW, {"type": "null"}]},
                "flags": {"type": "array", "items": _ROW}, "structures": {"type": "array", "items": _ROW},
                "initiatives": {"type": "array", "items": _ROW}}},
            "Dictionary": {"type": "object", "required": ["columns"], "properties": {
                **_META, "columns": {"type": "array", "items": {"type": "object", "properties": {
                    "table": {"type": "string"}, "column": {"type": "string"}, "type": {"type": "string"},
                    "meaning_fr": {"type": "string"}, "meaning_en": {"type": "string"}}}}}},
        }},
    }
