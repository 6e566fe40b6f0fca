"""Cuts the sandbox's schema.graphql out of the vendored real Admin schema (nothing hand-written).

    python -m connectors.shopify.sandbox.schema_gen           # rewrite schema.graphql
    python -m connectors.shopify.sandbox.schema_gen --check   # exit 1 if it is out of date

Starting at the root fields `schema_served.SERVED` lists, it keeps every type those fields reach:
object and interface types with the fields SERVED names (each with its real arguments, defaults
and type), enums, input objects, unions and scalars whole as the real schema has them, and the
served implementations of every kept interface and members of every kept union. A name the real
schema lacks, a reachable object type SERVED does not list, or a listed type nothing reaches is an
error, so the sandbox can neither invent a field nor carry a dead one.
"""

from __future__ import annotations

import argparse
import sys
from functools import cache
from pathlib import Path

from graphql import (
    DocumentNode,
    EnumTypeDefinitionNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    ListTypeNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
    SchemaDefinitionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    build_ast_schema,
    parse,
    print_ast,
)

from connectors.shopify.sandbox.schema_served import SERVED
from connectors.shopify.version import SCHEMA_VERSION

HERE = Path(__file__).resolve().parent
REAL_SCHEMA = HERE.parent / "schema" / f"admin-{SCHEMA_VERSION}.graphqls"
OUTPUT = HERE / "schema.graphql"
BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}
ROOTS = ("QueryRoot", "Mutation")


class SchemaCutError(ValueError):
    """SERVED asks for something the real schema does not have, or leaves a reachable type out."""


def _named(t: TypeNode) -> str:
    while isinstance(t, (NonNullTypeNode, ListTypeNode)):
        t = t.type
    return t.name.value  # type: ignore[attr-defined]


@cache
def real_definitions(path: Path = REAL_SCHEMA) -> dict[str, object]:
    """Type name → its definition node in the real SDL ('schema', directives under '@name')."""
    doc = parse(path.read_text(encoding="utf-8"), no_location=True)
    defs: dict[str, object] = {}
    for d in doc.definitions:
        name = getattr(d, "name", None)
        if isinstance(d, SchemaDefinitionNode):
            defs["schema"] = d
        elif name is not None:
            key = ("@" if d.kind == "directive_definition" else "") + name.value
            defs[key] = d
    return defs


def _served_fields(name: str, node: ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
    wanted = SERVED[name].split()
    real = {f.name.value: f for f in node.fields or ()}
    unknown = [f for f in wanted if f not in real]
    if unknown:
        raise SchemaCutError(f"{name} has no field {', '.join(unknown)} in the real schema")
    return [real[f] for f in wanted]


def _references(field: FieldDefinitionNode) -> list[str]:
    return [_named(field.type)] + [_named(a.type) for a in field.arguments or ()]


def cut(defs: dict[str, object] | None = None) -> DocumentNode:
    """The pruned schema document, definitions in the real schema's order."""
    defs = real_definitions() if defs is None else defs
    missing = [n for n in SERVED if n not in defs]
    if missing:
        raise SchemaCutError(f"not in the real schema: {', '.join(sorted(missing))}")
    implementers: dict[str, list[str]] = {}
    for name in SERVED:
        for i in getattr(defs[name], "interfaces", None) or ():
            implementers.setdefault(i.name.value, []).append(name)

    kept: dict[str, object] = {}
    todo = list(ROOTS)
    while todo:
        name = todo.pop()
        if name in kept or name in BUILT_IN_SCALARS:
            continue
        node = defs[name]
        if isinstance(node, (ObjectTypeDefinitionNode, InterfaceTypeDefinitionNode)):
            if name not in SERVED:
                raise SchemaCutError(f"{name} is reachable but SERVED lists no fields for it")
            fields = _served_fields(name, node)
            for f in fields:
                todo.extend(_references(f))
            if isinstance(node, InterfaceTypeDefinitionNode):
                todo.extend(implementers.get(name, ()))
            kept[name] = node.__class__(
                name=node.name,
                interfaces=node.interfaces,
                directives=node.directives,
                fields=tuple(fields),
            )
        elif isinstance(node, UnionTypeDefinitionNode):
            members = tuple(m for m in node.types or () if m.name.value in SERVED)
            if not members:
                raise SchemaCutError(f"union {name}: SERVED lists none of its members")
            todo.extend(m.name.value for m in members)
            kept[name] = UnionTypeDefinitionNode(
                name=node.name, directives=node.directives, types=members
            )
        elif isinstance(node, InputObjectTypeDefinitionNode):
            todo.extend(_named(f.type) for f in node.fields or ())
            kept[name] = node
        elif isinstance(node, (EnumTypeDefinitionNode, ScalarTypeDefinitionNode)):
            kept[name] = node
        else:  # pragma: no cover - the real SDL holds only the kinds above
            raise SchemaCutError(f"{name}: unexpected definition {node.kind}")

    unreached = sorted(set(SERVED) - set(kept))
    if unreached:
        raise SchemaCutError(f"listed in SERVED but nothing reaches them: {', '.join(unreached)}")
    for name, node in list(kept.items()):
        interfaces = getattr(node, "interfaces", None)
        if interfaces:  # only the kept interfaces stay declared
            kept[name] = node.__class__(
                name=node.name,
                interfaces=tuple(i for i in interfaces if i.name.value in kept),
                directives=node.directives,
                fields=node.fields,
            )

    order = {n: i for i, n in enumerate(defs)}
    head = [d for k, d in defs.items() if k.startswith("@") or isinstance(d, SchemaDefinitionNode)]
    body = sorted(kept, key=lambda n: order[n])
    return DocumentNode(definitions=(*head, *(kept[n] for n in body)))


def render() -> str:
    """The text of schema.graphql, checked to build as a valid schema."""
    document = cut()
    build_ast_schema(document, assume_valid=True)
    header = (
        f"# GENERATED by `python -m connectors.shopify.sandbox.schema_gen` from\n"
        f"# connectors/shopify/schema/admin-{SCHEMA_VERSION}.graphqls (the real Admin API schema,\n"
        "# interface only) and the field list in schema_served.py. Do not edit by hand.\n\n"
    )
    return header + print_ast(document) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if schema.graphql is stale")
    args = ap.parse_args(argv)
    text = render()
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is out of date: run python -m {__spec__.name}", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
