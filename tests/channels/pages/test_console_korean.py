"""Every word the console's templates, navigation and labels show has its Korean."""

from __future__ import annotations

import re
from importlib.resources import files

from baro.channels.web.pages import i18n
from baro.channels.web.pages.console import SECTIONS
from baro.channels.web.pages.console.anticipation import TRANSFER_STATES
from baro.channels.web.pages.console.delivery import SORTIE_STATES
from baro.channels.web.pages.console.fulfillment import BAD_SCAN_LABELS, FILL_BANDS, STAGE_LABELS
from baro.channels.web.pages.console.inventory import KIND_LABELS, QUANTITY, RESENT
from baro.channels.web.pages.console.page import STATUS_LABELS

MESSAGE = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
# pgettext("delivery fee", "Free"): keyed "delivery fee\x04Free" in the catalogue.
IN_CONTEXT = re.compile(r'pgettext\(\s*"([^"]*)",\s*"([^"]*)"')


def console_template_messages() -> set[str]:
    folder = files("baro.channels.web.pages").joinpath("templates", "console")
    found = set()
    for template in folder.iterdir():
        text = template.read_text()
        for double, single in MESSAGE.findall(text):
            found.add(double or single)
        for context, message in IN_CONTEXT.findall(text):
            found.add(f"{context}\x04{message}")
    return found


def test_the_templates_are_read_for_their_words() -> None:
    """Guards the test below: an extraction that finds nothing would pass it vacuously."""
    assert {"Live order feed", "Receive stock", "Signed in as %(name)s", "units\x04Free"} <= (
        console_template_messages()
    )


def test_every_console_word_has_its_korean() -> None:
    words = (
        console_template_messages()
        | {section.title for section in SECTIONS}
        | set(STATUS_LABELS.values())
        | set(KIND_LABELS.values())
        | set(SORTIE_STATES.values())
        | set(TRANSFER_STATES.values())
        | set(STAGE_LABELS.values())
        | set(BAD_SCAN_LABELS.values())
        | {label for _bound, _colour, label in FILL_BANDS}
        | {QUANTITY, RESENT}
    )

    missing = sorted(word for word in words if word not in i18n.catalog("ko"))

    assert missing == []
