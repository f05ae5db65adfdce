"""The languages the site is written in, and what every step needs to know of them, in one place."""

from __future__ import annotations

DEFAULT_LANGUAGE = "en"  # the language of content/ itself: its pages sit at the site's root
LANGUAGE_NAMES = {"en": "English", "es": "Español"}  # each named in its own words, for the language switch
# CLDR locales: Babel's numbers and dates (US digits in Spanish too: 1,499 and 21.4), and og:locale.
LOCALES = {"en": "en_US", "es": "es_US"}
# The site's own words around a printed figure or range, before any content is translated.
NUMBER_WORDS = {"en": {"about": "about", "million": "million", "to": "to", "or": "or"},
                "es": {"about": "alrededor de", "million": "millones", "to": "a", "or": "o"}}
