"""Arithmetic for derived figures: a tiny, safe evaluator (no eval) and its printed form."""

from __future__ import annotations

import ast
import itertools
import math
import operator
from dataclasses import dataclass

from .figures import format_number
from .locales import DEFAULT_LANGUAGE, NUMBER_WORDS

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


def half_step(value: float) -> float:
    """Half the last printed digit's step: 8 may stand for 7.5 up to 8.5, 20.3 for 20.25 up to 20.35."""
    printed_number = format_number(value).replace(",", "")
    decimals = len(printed_number.partition(".")[2])
    return 0.5 / 10 ** decimals


@dataclass(frozen=True)
class Range:
    """The results that rounded inputs allow: whole numbers for a count, else a span to `decimals` places."""

    low: float
    high: float
    decimals: int | None  # None: the ends are whole numbers, and every whole number between them fits

    def ends(self) -> tuple[str, str]:
        if self.decimals is None:
            return format_number(self.low), format_number(self.high)
        return f"{self.low:,.{self.decimals}f}", f"{self.high:,.{self.decimals}f}"

    def text(self, unit: str, language: str = DEFAULT_LANGUAGE) -> str:
        """'148 or 149', '278 to 280', '94.4% to 95.3%', '1.0 to 1.2 million'; in Spanish '148 o 149',
        '278 a 280', '94.4% a 95.3%', '1.0 a 1.2 millones' (numbers written as es-US writes them)."""
        words = NUMBER_WORDS[language]
        low, high = self.ends()
        if low == high:
            return {"percent": f"{low}%", "million": f"{low} {words['million']}"}.get(unit, low)
        if unit == "percent":
            return f"{low}% {words['to']} {high}%"
        joiner = words["or"] if self.decimals is None and self.high - self.low == 1 else words["to"]
        return f"{low} {joiner} {high}" + (f" {words['million']}" if unit == "million" else "")



def rounding_range(expression: str, values: dict[str, float], rounded: list[str], unit: str,
                   round_to: int) -> Range | None:
    """The range of results consistent with the rounding of the `rounded` inputs.

    Each rounded input may lie anywhere from v - h (included) to v + h (excluded, since it would
    round up). The extremes are taken at the corners of that box, which is exact for expressions
    monotonic in each input (ratios, sums and differences of positive figures, as derivations are).
    A count's range is the whole numbers inside; any other unit prints its ends one place finer
    for a percentage, at `round_to` places otherwise.
    """
    if not rounded:
        return None
    corners: list[tuple[float, bool]] = []  # (result, reached only at an excluded edge)
    for signs in itertools.product((-1, 1), repeat=len(rounded)):
        moved = dict(values)
        for name, sign in zip(rounded, signs):
            moved[name] = values[name] + sign * half_step(values[name])
        corners.append((evaluate(expression, moved), any(sign == 1 for sign in signs)))
    low, low_open = min(corners)
    high, high_open = max(corners, key=lambda c: (c[0], not c[1]))
    if unit == "count":
        first = math.floor(low) + 1 if (low_open and low.is_integer()) else math.ceil(low)
        last = math.ceil(high) - 1 if (high_open and high.is_integer()) else math.floor(high)
        return Range(float(first), float(last), None)
    decimals = round_to + 1 if unit == "percent" else round_to
    return Range(round(low, decimals), round(high, decimals), decimals)
