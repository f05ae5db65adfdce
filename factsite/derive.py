"""Arithmetic for derived figures: a tiny, safe evaluator (no eval) and its printed form."""

from __future__ import annotations

import ast
import math
import operator

from .figures import format_number

_OPERATORS = {
    ast.Add: (operator.add, "+"),
    ast.Sub: (operator.sub, "\u2212"),
    ast.Mult: (operator.mul, "\u00d7"),
    ast.Div: (operator.truediv, "\u00f7"),
}


class DerivationError(ValueError):
    pass


TOO_DEEP = "the expression is too long or nests too deeply to work out: write it more simply (a few terms, a few brackets)"


def _parse(expression: str) -> ast.expr:
    try:
        return ast.parse(expression, mode="eval").body
    except SyntaxError:
        raise DerivationError(f"{expression!r} is not arithmetic: use numbers, input names, + - * / and brackets") from None
    except (RecursionError, MemoryError):  # thousands of brackets or terms: the parser's own limits
        raise DerivationError(TOO_DEEP) from None


def names_in(expression: str) -> set[str]:
    return {node.id for node in ast.walk(_parse(expression)) if isinstance(node, ast.Name)}


def evaluate(expression: str, values: dict[str, float]) -> float:
    """Evaluate + - * / over numbers and named inputs; anything else is refused."""

    def walk(node: ast.expr) -> float:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id not in values:
                raise DerivationError(f"the expression uses {node.id!r}, which is not one of the inputs")
            return values[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Div) and right == 0:
                raise DerivationError("the expression divides by zero")
            return _OPERATORS[type(node.op)][0](left, right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        raise DerivationError("only numbers, input names, + - * / and brackets are allowed in an expression")

    try:
        result = walk(_parse(expression))
    except RecursionError:  # 5,000 "+ 0" terms or unary minus signs
        raise DerivationError(TOO_DEEP) from None
    except OverflowError:  # a constant of hundreds of digits cannot be a float
        raise DerivationError("a number in the expression is too large to work with: write the figure's real arithmetic") from None
    if not math.isfinite(result):
        raise DerivationError("the expression's result is too large to be a figure: check its numbers") from None
    return result


def printed(expression: str, values: dict[str, float]) -> str:
    """The expression with its inputs' values in place: '165 ÷ (1 + 11 ÷ 100)'."""

    def show(node: ast.expr, parent_precedence: int = 0) -> str:
        if isinstance(node, ast.Constant):
            return format_number(node.value)
        if isinstance(node, ast.Name):
            return format_number(values[node.id])
        if isinstance(node, ast.UnaryOp):
            return "\u2212" + show(node.operand, 3)
        assert isinstance(node, ast.BinOp)
        precedence = 1 if isinstance(node.op, (ast.Add, ast.Sub)) else 2
        text = f"{show(node.left, precedence)} {_OPERATORS[type(node.op)][1]} {show(node.right, precedence + 1)}"
        return f"({text})" if precedence < parent_precedence else text

    return show(_parse(expression))
