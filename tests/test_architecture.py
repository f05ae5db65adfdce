"""The package's layout is its architecture: imports run only downward between the steps.

pipeline and devserver (the flow) -> publish (write, serve) -> images (the browser) -> web (page
models, render, outputs, search) -> content (load, validate, the model). Read from the source, so a
lazy import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGE = ROOT / "factsite"
# Lowest first: a module may import from its own layer or any layer below it.
LAYERS = ["content", "web", "images", "publish", "flow"]


def layer_of(module: str) -> str:
    """'factsite.web.pages' -> 'site'; the modules directly in factsite/ are the flow."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else "flow"


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every module of the package that `path` imports, as dotted names."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("factsite"):
                continue
            for alias in node.names:  # `from . import urls` imports a module, `from .urls import x` a name
                candidate = f"{target}.{alias.name}"
                is_module = (ROOT / Path(*candidate.split("."))).with_suffix(".py").exists()
                found.add(candidate if is_module else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("factsite"))
    return {name for name in found if name != "factsite"}


def graph() -> dict[str, set[str]]:
    return {module_name(path): imports_of(path) for path in sorted(PACKAGE.rglob("*.py"))}


def wrong_way(edges: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{source} -> {target}"
        for source, targets in edges.items() for target in targets
        if LAYERS.index(layer_of(target)) > LAYERS.index(layer_of(source))
    )


def test_imports_run_only_downward_between_the_steps() -> None:
    edges = graph()
    assert len(edges) > 30 and sum(map(len, edges.values())) > 60  # the walk found the package
    assert wrong_way(edges) == []


def test_the_check_finds_an_import_that_runs_back_up() -> None:
    edges = graph()
    edges["factsite.content.model"] = edges["factsite.content.model"] | {"factsite.web.urls"}
    edges["factsite.web.pages"] = edges["factsite.web.pages"] | {"factsite.images.cards"}
    assert wrong_way(edges) == ["factsite.content.model -> factsite.web.urls", "factsite.web.pages -> factsite.images.cards"]


def test_render_returns_pages_and_the_pipeline_decides_where_they_go() -> None:
    """Rendering knows neither the writer nor the search index; the page model knows no browser."""
    edges = graph()
    assert not {"factsite.publish.write", "factsite.web.search"} & edges["factsite.web.render"]
    assert not {"factsite.publish.write", "factsite.web.search"} & edges["factsite.web.outputs"]
    page_model = ["factsite.web.pages", "factsite.web.kinds", "factsite.web.views", "factsite.web.charts"]
    assert not any(target.startswith("factsite.images") for module in page_model for target in edges[module])


def test_there_is_no_import_cycle() -> None:
    edges = graph()
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join(path + (module,))
        if module in done:
            return
        for target in edges.get(module, ()):
            visit(target, path + (module,))
        done.add(module)

    for module in edges:
        visit(module, ())
