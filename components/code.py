"""The one code archive every function runs: the `handlers` package, source files only.

`FileArchive` would also zip `__pycache__`, whose bytes change on every test run and so would redeploy
every function on every `pulumi up`; listing the files keeps an unchanged tree unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pulumi

PACKAGE: Final = "handlers"
_SKIPPED_DIRS: Final = frozenset({"__pycache__"})
_SKIPPED_SUFFIXES: Final = frozenset({".pyc", ".pyo"})


def source_files(project_root: Path) -> dict[str, Path]:
    """Archive path (keeping the `handlers/` prefix, so `handlers.<key>.handler` imports) -> file."""
    package = project_root / PACKAGE
    if not (package / "__init__.py").is_file():
        raise FileNotFoundError(f"{package} is not a Python package")
    files: dict[str, Path] = {}
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(project_root)
        if not path.is_file() or path.suffix in _SKIPPED_SUFFIXES:
            continue
        if any(part in _SKIPPED_DIRS or part.startswith(".") for part in relative.parts):
            continue
        files[relative.as_posix()] = path
    return files


def code_archive(project_root: Path) -> pulumi.AssetArchive:
    return pulumi.AssetArchive(
        {name: pulumi.FileAsset(str(path)) for name, path in source_files(project_root).items()}
    )
