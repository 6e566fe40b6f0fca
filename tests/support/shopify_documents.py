"""Finds every Shopify GraphQL document shopsync sends and checks it against the real schema.

Adapted from the team's shared `shopify-schema/validate.py` (issue #16 evidence): documents are the
`*.graphql` files and every Python string constant that starts like an operation, under the given
roots, skipping the sandbox (a simulator, not a client). Each is validated with graphql-core,
deprecations counted as problems; Python tuples/lists/sets of UPPER_CASE strings that are mostly
values of an enum some document takes as a variable have every other member reported.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLSchema,
    get_named_type,
    parse,
    type_from_ast,
    validate,
)
from graphql.language import DocumentNode, OperationDefinitionNode
from graphql.validation import NoDeprecatedCustomRule

SKIP_DIRS = {"sandbox", "schema", "__pycache__"}  # schema: the SDL itself
DOC_START = re.compile(r"^\s*(?:#[^\n]*\n\s*)*(?:query|mutation|subscription|fragment)\b[^{}]*\{")
ENUM_VALUE = re.compile(r"^[A-Z][A-Z0-9_]*$")


@dataclass(frozen=True)
class Document:
    where: str  # path:line of its first line
    text: str


def _files(root: Path, suffix: str) -> list[Path]:
    return sorted(
        p for p in root.rglob(f"*{suffix}") if not SKIP_DIRS.intersection(p.relative_to(root).parts)
    )


def collect(roots: list[Path], base: Path) -> tuple[list[Document], list[tuple[Path, ast.AST]]]:
    """The documents under `roots` and the parsed Python files (for the enum-literal check)."""
    docs: list[Document] = []
    trees: list[tuple[Path, ast.AST]] = []
    for root in roots:
        for p in _files(root, ".graphql"):
            docs.append(Document(f"{p.relative_to(base)}:1", p.read_text(encoding="utf-8")))
        for p in _files(root, ".py"):
            tree = ast.parse(p.read_text(encoding="utf-8"), filename=str(p))
            trees.append((p, tree))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and DOC_START.match(node.value)
                ):
                    docs.append(Document(f"{p.relative_to(base)}:{node.lineno}", node.value))
    return docs, trees


def check_documents(schema: GraphQLSchema, docs: list[Document]) -> tuple[list[str], list]:
    """Problems (one line each) and the parsed documents."""
    problems: list[str] = []
    parsed: list[DocumentNode] = []
    for d in docs:
        try:
            document = parse(d.text)
        except GraphQLError as err:
            problems.append(f"{d.where}: syntax: {err.message}")
            continue
        parsed.append(document)
        problems += [f"{d.where}: invalid: {e.message}" for e in validate(schema, document)]
        problems += [
            f"{d.where}: deprecated: {e.message}"
            for e in validate(schema, document, [NoDeprecatedCustomRule])
        ]
    return problems, parsed


def variable_enums(schema: GraphQLSchema, documents: list[DocumentNode]) -> set[GraphQLEnumType]:
    """Enum types the documents take as variables, followed into input objects."""
    enums: set[GraphQLEnumType] = set()
    seen: set[GraphQLInputObjectType] = set()
    todo = []
    for document in documents:
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                for var in definition.variable_definitions or ():
                    t = type_from_ast(schema, var.type)
                    if t is not None:
                        todo.append(get_named_type(t))
    while todo:
        t = todo.pop()
        if isinstance(t, GraphQLEnumType):
            enums.add(t)
        elif isinstance(t, GraphQLInputObjectType) and t not in seen:
            seen.add(t)
            todo.extend(get_named_type(f.type) for f in t.fields.values())
    return enums


def check_enum_literals(trees, enums: set[GraphQLEnumType], base: Path) -> list[str]:
    """A collection of UPPER_CASE strings mostly of one enum: each other member is reported."""
    out = []
    for path, tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                continue
            values = [
                e.value
                for e in node.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            ]
            if len(values) < 2 or len(values) != len(node.elts):
                continue
            if not all(ENUM_VALUE.match(v) for v in values):
                continue
            for enum in enums:
                if sum(v in enum.values for v in values) * 2 < len(values):
                    continue
                for elt in node.elts:
                    value = enum.values.get(elt.value)
                    where = f"{path.relative_to(base)}:{elt.lineno}"
                    if value is None:
                        out.append(f"{where}: {elt.value!r} is not a {enum.name} value")
                    elif value.deprecation_reason:
                        out.append(f"{where}: deprecated {enum.name}.{elt.value}")
    return out


def problems(schema: GraphQLSchema, roots: list[Path], base: Path) -> tuple[int, list[str]]:
    """(documents checked, every problem found) under `roots`."""
    docs, trees = collect(roots, base)
    found, parsed = check_documents(schema, docs)
    found += check_enum_literals(trees, variable_enums(schema, parsed), base)
    return len(docs), found
