"""`make screenshots` publishes exactly the captures the docs reference."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "publish_screenshots", ROOT / "scripts" / "publish_screenshots.py"
    )
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _project(tmp_path: Path) -> tuple[Path, Path, Path]:
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("![form](docs/screenshots/form-360.png)\n", encoding="utf-8")
    (tmp_path / "docs" / "code.md").write_text("![sent](screenshots/sent-360.png)\n", encoding="utf-8")
    captured = tmp_path / "build"
    captured.mkdir()
    return tmp_path, captured, tmp_path / "docs" / "screenshots"


def test_referenced_captures_are_copied_and_unreferenced_ones_removed(tmp_path: Path) -> None:
    root, captured, published = _project(tmp_path)
    for name in ("form-360.png", "sent-360.png", "other-360.png"):
        (captured / name).write_bytes(name.encode())
    published.mkdir()
    (published / "stale-360.png").write_bytes(b"old")

    assert _module().publish(root, captured, published) == []

    assert sorted(path.name for path in published.iterdir()) == ["form-360.png", "sent-360.png"]
    assert (published / "sent-360.png").read_bytes() == b"sent-360.png"


def test_a_reference_no_test_captured_is_named_and_nothing_changes(tmp_path: Path) -> None:
    root, captured, published = _project(tmp_path)
    (captured / "form-360.png").write_bytes(b"form")

    assert _module().publish(root, captured, published) == ["sent-360.png"]
    assert not published.exists()


def test_every_screenshot_the_docs_show_is_published() -> None:
    published = ROOT / "docs" / "screenshots"
    assert _module().referenced(ROOT) == {path.name for path in published.glob("*.png")}
