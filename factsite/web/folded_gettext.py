"""The interface's words translated once, when a template is compiled, not at every use.

Jinja's i18n extension looks each `_("...")` up at render time through three context calls; with
about 70 of them on a page, that was a third of rendering a Spanish page. Each language has its own
environment, so the translation of a literal message is known when the template is compiled:

    _("Sources")                  becomes  "Fuentes"|safe
    _("Found %(n)s", n=count)     becomes  _format("Se encontraron %(n)s", n=count)

which is what the extension's new-style gettext returns in an autoescaped template: the translation
marked safe, `%` formatting applied (so "%%" is "%"), the variables escaped. A template that is not
autoescaped, or a message that is not a plain literal, is left to the extension.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markupsafe import Markup

FORMAT = "_format"  # the global a message with variables is formatted by


def format_translated(message: str, **variables: Any) -> Markup:
    """A translated message with its variables, escaped as the i18n extension escapes them."""
    return Markup(message) % variables


class FoldedGettext(Extension):
    """Replaces `_("literal")` by its translation in the environment's language (see the module)."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.globals[FORMAT] = format_translated
        environment.extend(folded_gettext=None)  # the language's gettext, set by make_environment

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        gettext = self._gettext()
        if gettext is None or not self._autoescaped(stream.name):
            yield from stream
            return
        tokens = list(stream)
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if (token.test("name:_") and i + 2 < len(tokens) and tokens[i + 1].test("lparen")
                    and tokens[i + 2].type == "string" and (i == 0 or not tokens[i - 1].test("dot"))):
                message, after = tokens[i + 2], tokens[i + 3] if i + 3 < len(tokens) else None
                translated = gettext(message.value)
                if after is not None and after.test("rparen"):
                    # What the extension returns for no variables: Markup(translation) % {}.
                    yield Token(token.lineno, "string", str(Markup(translated) % {}))
                    yield Token(token.lineno, "pipe", "|")
                    yield Token(token.lineno, "name", "safe")
                    i += 4
                    continue
                if after is not None and after.test("comma"):
                    yield Token(token.lineno, "name", FORMAT)
                    yield tokens[i + 1]
                    yield Token(message.lineno, "string", translated)
                    i += 3
                    continue
            yield token
            i += 1

    def _gettext(self) -> Callable[[str], str] | None:
        """The environment's own translation of a message; without one, nothing is folded."""
        return self.environment.folded_gettext  # type: ignore[attr-defined]

    def _autoescaped(self, name: str | None) -> bool:
        autoescape = self.environment.autoescape
        return bool(autoescape(name) if callable(autoescape) else autoescape)
