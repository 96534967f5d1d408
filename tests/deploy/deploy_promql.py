"""The metrics a PromQL expression reads, and the labels it needs of them, from the parse
tree of a real PromQL parser (promql-parser, the Rust parser's Python binding)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import promql_parser

# Grafana's variables, replaced by values of the same kind before parsing.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}


@dataclass
class Selector:
    metric: str
    matchers: dict[str, tuple[str, str]] = field(default_factory=dict)
    """label -> (operator, value)"""


@dataclass
class Reads:
    selectors: list[Selector]
    grouping: list[tuple[list[str], list[Selector]]]
    """(labels of a `by (...)`, the selectors under that aggregation)"""


def substitute_grafana(expr: str, variables: dict[str, str]) -> str:
    for name, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(name, value)
    for name, value in variables.items():
        expr = re.sub(rf"\$\{{{name}\}}|\${name}\b", value, expr)
    return expr


def _selectors(expr: promql_parser.Expr) -> list[Selector]:
    found: list[Selector] = []

    def visit(node: promql_parser.Expr, *_: object) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            matchers = {
                m.name: (str(m.op).rsplit(".", 1)[-1], m.value)
                for m in node.matchers.matchers
                if m.name != "__name__"
            }
            found.append(Selector(node.name, matchers))

    promql_parser.walk(expr, visit)
    return found


def reads(expr: str) -> Reads:
    """Parse ``expr`` (ValueError when it is not PromQL) and say what it reads."""
    tree = promql_parser.parse(expr)
    grouping: list[tuple[list[str], list[Selector]]] = []

    def visit(node: promql_parser.Expr, *_: object) -> None:
        if (
            isinstance(node, promql_parser.AggregateExpr)
            and node.modifier is not None
            and str(node.modifier.type).endswith("By")
        ):
            grouping.append((list(node.modifier.labels), _selectors(node.expr)))

    promql_parser.walk(tree, visit)
    return Reads(_selectors(tree), grouping)


def problems(expr: str, catalogue: dict[str, dict[str, set[str] | None]]) -> list[str]:
    """What in ``expr`` names a metric, a label or a label value the catalogue lacks."""
    try:
        found = reads(expr)
    except ValueError as err:
        return [f"not PromQL: {err}"]
    out: list[str] = []
    if not found.selectors:
        out.append("reads no metric")
    for selector in found.selectors:
        labels = catalogue.get(selector.metric)
        if labels is None:
            out.append(f"unknown metric {selector.metric}")
            continue
        for label, (op, value) in selector.matchers.items():
            if label not in labels:
                out.append(f"{selector.metric} has no label {label}")
            elif labels[label] is not None and op in ("Equal", "Re"):
                allowed = labels[label]
                values = value.split("|") if op == "Re" else [value]
                out += [
                    f"{selector.metric}{{{label}}} never takes {v!r}"
                    for v in values
                    if v not in allowed
                ]
    for labels, under in found.grouping:
        for label in labels:
            if not any(label in catalogue.get(s.metric, {}) for s in under):
                out.append(f"groups by {label}, which none of {[s.metric for s in under]} has")
    return out
