"""The documentation, where a user has it: inside the installed package, or in the checkout.

A wheel carries the ``docs/`` folder as ``syncore/docs`` (see pyproject.toml), so ``syncore docs TOPIC`` works
wherever syncore was installed; an editable install reads the checkout's ``docs/``. Messages point at topics
(``syncore docs settings``), never at a path only a checkout has.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ConfigurationError


def docs_dir() -> Path | None:
    """The folder holding the Markdown documentation, or None when this installation has none."""
    packaged = Path(__file__).with_name("docs")
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "docs"  # src/syncore/docs.py -> the checkout's docs/
    return checkout if checkout.is_dir() else None


def topics() -> dict[str, str]:
    """Topic name → its title (the first heading), in name order."""
    folder = docs_dir()
    if folder is None:
        return {}
    found = {}
    for path in sorted(folder.glob("*.md")):
        lines = path.read_text(encoding="utf-8").splitlines()
        found[path.stem] = next((line.lstrip("# ").strip() for line in lines if line.startswith("#")), path.stem)
    return found


def read_topic(name: str) -> str:
    """The Markdown text of one topic.

    :raises ConfigurationError: for an unknown topic (the message lists them)
    """
    folder = docs_dir()
    path = folder / f"{name}.md" if folder is not None else None
    if path is None or not path.is_file():
        raise ConfigurationError(f"no documentation topic {name!r}; topics: {', '.join(topics()) or 'none installed'}",
                                 key="topic", value=name)
    return path.read_text(encoding="utf-8")
