"""`casework i18n update`: extract every translatable string, update each language's catalogue
and compile it — the one command after changing any string a person reads."""

from __future__ import annotations

import contextlib

import click

from casework import PACKAGE_DIR

PROJECT_DIR = PACKAGE_DIR.parent
TRANSLATIONS = PACKAGE_DIR / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
LANGUAGES = ("el", "tr", "ar", "fa")


def _pybabel(*arguments: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", *arguments])


@click.group("i18n")
def i18n_group() -> None:
    """Translation catalogues (English is the source language)."""


@i18n_group.command("update")
def update_command() -> None:
    """Extract strings, update the catalogues of el, tr, ar and fa, and compile them."""
    with contextlib.chdir(PROJECT_DIR):  # so the catalogues name files relative to the project
        _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--sort-output",
                 "--project", "Casework", "--copyright-holder", "Casework contributors",
                 "-o", str(TEMPLATE), ".")
    for language in LANGUAGES:
        catalogue = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
        command = "update" if catalogue.exists() else "init"
        extra = ["--no-fuzzy-matching", "--ignore-obsolete"] if command == "update" else []
        _pybabel(command, "-i", str(TEMPLATE), "-d", str(TRANSLATIONS), "-l", language, *extra)
    compile_all()
    click.echo(f"Catalogues updated and compiled in {TRANSLATIONS}.")


@i18n_group.command("compile")
def compile_command() -> None:
    """Compile the catalogues (the install does this too)."""
    compile_all()


def compile_all() -> None:
    for catalogue in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        _pybabel("compile", "-i", str(catalogue), "-o", str(catalogue.with_suffix(".mo")),
                 "-l", catalogue.parent.parent.name)
