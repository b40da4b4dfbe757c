"""The house's shape, measured: imports that run up a floor, the share of lines each top-level folder
holds, and the import cycles, drawn from the repository's import graph (tests excluded).

    python benchmarks/layers.py

The floors are import-linter's layers contract in pyproject.toml, so this and `lint-imports` judge the
same thing. No database. Prints the figures and writes them to docs/BENCHMARKS.md.
"""

import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.report import write_section  # noqa: E402


def floors() -> dict[str, int]:
    """Each root package's floor, 0 at the top, as the layers contract lists them."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    [layers] = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    return {name.strip(): depth for depth, layer in enumerate(layers) for name in layer.split("|")}


def upward_imports(graph, floor: dict[str, int]) -> list[tuple[str, str]]:
    """(importer, imported) pairs whose imported module stands on a higher floor than its importer."""
    up = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            top_from, top_to = importer.split(".")[0], imported.split(".")[0]
            if top_to in floor and floor[top_to] < floor[top_from]:
                up.append((importer, imported))
    return up


def cycles(graph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & graph.modules) for m in graph.modules}
    index, low, stack, on_stack, groups, counter = {}, {}, [], set(), [], [0]

    def visit(node: str) -> None:
        work = [(node, iter(edges[node]))]
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        while work:
            current, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[current])
                if low[current] == index[current]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == current:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = counter[0]
                counter[0] += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(edges[child])))
            elif child in on_stack:
                low[current] = min(low[current], index[child])

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return sorted(groups)


def line_shares() -> tuple[Counter, int]:
    """Lines of tracked Python files per top-level folder, tests excluded."""
    files = subprocess.run(["git", "ls-files", "*.py"], cwd=REPO, capture_output=True, text=True, check=True)
    lines: Counter = Counter()
    for name in files.stdout.split():
        top = name.split("/")[0] if "/" in name else "(root)"
        if top != "tests":
            lines[top] += len((REPO / name).read_text().splitlines())
    return lines, sum(lines.values())


def main() -> None:
    floor = floors()
    graph = grimp.build_graph(*floor)
    up = upward_imports(graph, floor)
    groups = cycles(graph)
    lines, total = line_shares()
    rows = [f"| {top} | {count:,} | {count / total:.1%} |" for top, count in lines.most_common()]
    cycle_rows = [f"- {', '.join(group)}" for group in groups] or ["- none"]
    body = "\n".join(
        [
            "## The house's shape (`benchmarks/layers.py`)",
            "",
            f"The import graph of {len(graph.modules)} modules (tests excluded), floors as in pyproject.toml.",
            "",
            f"- Imports from a lower floor to a higher one: **{len(up)}**"
            + "".join(f"\n  - {a} -> {b}" for a, b in up),
            f"- Largest top-level folder: **{lines.most_common(1)[0][0]}, "
            f"{lines.most_common(1)[0][1] / total:.1%}** of {total:,} Python lines (tests excluded)",
            f"- Import cycles (groups of modules that import each other): {len(groups)}",
            *cycle_rows,
            "",
            "| folder | lines | share |",
            "| --- | ---: | ---: |",
            *rows,
        ]
    )
    print(body)
    write_section("layers", body)


if __name__ == "__main__":
    main()
