"""Builds the compiled translation catalogues at install time (pip install . / -e .).

Everything else about the package is in pyproject.toml; this file only hooks the compilation
of casework/translations/*/LC_MESSAGES/messages.po into .mo files into the build.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

TRANSLATIONS = Path(__file__).resolve().parent / "casework" / "translations"


def compile_catalogues() -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as source:
            catalogue = read_po(source, locale=po_path.parent.parent.name)
        with po_path.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalogue, use_fuzzy=False)


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        compile_catalogues()
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogues})
