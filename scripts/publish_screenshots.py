"""`make screenshots`: copy the screenshots the docs show from the browser tests' fresh captures.

The browser tests save every page state they check to build/screenshots/. This copies each
`docs/screenshots/<name>.png` that README.md or a docs/ page references from there, and removes any file
in docs/screenshots/ that nothing references, so the published pictures are always the last run's.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_REFERENCE = re.compile(r"\(((?:docs/)?screenshots/([\w.-]+\.png))\)")


def referenced(root: Path) -> set[str]:
    """Names of the screenshots README.md and docs/*.md show."""
    names: set[str] = set()
    for page in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        names |= {match.group(2) for match in _REFERENCE.finditer(page.read_text(encoding="utf-8"))}
    return names


def publish(root: Path, captured: Path, published: Path) -> list[str]:
    """Copy every referenced capture; return the names that no test captured (nothing copied then)."""
    names = referenced(root)
    missing = sorted(name for name in names if not (captured / name).is_file())
    if missing:
        return missing
    published.mkdir(parents=True, exist_ok=True)
    for name in sorted(names):
        shutil.copyfile(captured / name, published / name)
    for stale in published.glob("*.png"):
        if stale.name not in names:
            stale.unlink()
    return []


def main() -> int:
    missing = publish(ROOT, ROOT / "build" / "screenshots", ROOT / "docs" / "screenshots")
    if missing:
        print(
            "no browser test captured " + ", ".join(missing) + " (see capture() in tests/browser)",
            file=sys.stderr,
        )
        return 1
    print(f"docs/screenshots: {len(referenced(ROOT))} screenshots from this run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
