"""The code's shape (issue 14): no import cycles between the modules of one app, and no module so long that it holds
several concerns. Known exceptions are listed one by one and must still be true, so the lists only shrink."""

import ast
from pathlib import Path

import grimp
import pytest

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)

ROOT = Path(__file__).resolve().parents[2] / "reelhouse"

# Cycles still to break (issue 14), each as its set of modules; remove an entry when its cycle goes.
KNOWN_CYCLES: set[frozenset[str]] = set()
# Modules over 400 lines still to split or explain (issue 14); remove an entry when its module is dealt with.
KNOWN_LONG: set[str] = set()
LIMIT, EXPLAIN_OVER, REASON = 500, 400, "Over 400 lines because"


def _strongly_connected(edges: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that import each other (directly or round a loop)."""
    index, low, stack, on_stack, groups, counter = {}, {}, [], set(), [], 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    return groups


def test_the_cycle_finder_finds_a_loop_and_nothing_else():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _strongly_connected(edges) == [{"a", "b", "c"}]
    assert _strongly_connected({"a": {"b"}, "b": set()}) == []


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("reelhouse")


def test_no_import_cycles_within_an_app(graph):
    """Counting imports inside functions too: a lazy import hides a cycle from Python, not from a reader."""
    apps = sorted({m.split(".")[1] for m in graph.modules if m.count(".") >= 1 and (ROOT / m.split(".")[1]).is_dir()})
    found = []
    for app in apps:
        prefix = f"reelhouse.{app}"
        inside = {m for m in graph.modules if m == prefix or m.startswith(prefix + ".")}
        edges = {m: set(graph.find_modules_directly_imported_by(m)) & inside for m in inside}
        found += [frozenset(group) for group in _strongly_connected(edges)]
    new = [sorted(c) for c in found if c not in KNOWN_CYCLES]
    assert not new, f"modules that import each other (move the shared part down into its own module): {new}"
    stale = [sorted(c) for c in KNOWN_CYCLES if c not in found]
    assert not stale, f"these cycles are gone: delete them from KNOWN_CYCLES: {stale}"


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path.relative_to(ROOT).as_posix(), path


def test_no_module_over_500_lines_and_over_400_only_with_a_reason():
    too_long, unexplained, lengths = [], [], {}
    for name, path in _modules():
        text = path.read_text()
        lengths[name] = lines = len(text.splitlines())
        if lines > LIMIT and name not in KNOWN_LONG:
            too_long.append(f"{name} ({lines} lines)")
        elif lines > EXPLAIN_OVER and name not in KNOWN_LONG:
            doc = ast.get_docstring(ast.parse(text)) or ""
            if REASON not in doc.split("\n\n")[0]:
                unexplained.append(f"{name} ({lines} lines)")
    assert not too_long, f"split these by concern into a package: {too_long}"
    assert not unexplained, f"over {EXPLAIN_OVER} lines: split, or say '{REASON} ...' in the docstring's first " \
                            f"paragraph: {unexplained}"
    stale = [n for n in KNOWN_LONG if lengths.get(n, 0) <= EXPLAIN_OVER]
    assert not stale, f"these are no longer over {EXPLAIN_OVER} lines: delete them from KNOWN_LONG: {stale}"


def _layout_map() -> str:
    readme = (ROOT.parent / "README.md").read_text()
    section = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```", 2)[1]


def test_the_readme_layout_map_names_every_app_and_package():
    """README.md's Layout map matches the tree: each app, and each package inside an app (management commands,
    migrations and template tags aside), is named there; nothing named there as a folder is missing."""
    layout = _layout_map()
    ignored = {"management", "commands", "migrations", "templatetags", "templates", "static", "locale"}
    packages = [p.relative_to(ROOT) for p in ROOT.rglob("__init__.py")]
    apps = sorted({p.parts[0] for p in packages if len(p.parts) == 2})
    missing = [f"{app}/" for app in apps if f"\n  {app}/" not in layout]
    inner = sorted({p.parts[1] for p in packages if len(p.parts) == 3 and p.parts[1] not in ignored})
    missing += [f"{name}/" for name in inner if f"{name}/" not in layout]
    assert not missing, f"README.md's Layout map does not name: {missing}"
    named = {line.split()[0] for line in layout.splitlines()
             if line.startswith("  ") and not line.startswith("   ") and line.split()[0].endswith("/")}
    gone = sorted(n for n in named if not (ROOT / n).is_dir())
    assert not gone, f"README.md's Layout map names folders that do not exist: {gone}"


def test_template_tags_query_nothing(graph):
    """Template tags format what the view put in the context; they import no selectors, services or models."""
    tags = [m for m in graph.modules if ".templatetags." in m]
    assert tags, "no template tag modules found: is the graph built?"
    reading = {m: sorted(n for n in graph.find_modules_directly_imported_by(m)
                         if n.rsplit(".", 1)[-1] in {"selectors", "services", "models"} or ".selectors." in n
                         or ".services." in n)
               for m in tags}
    assert not {m: found for m, found in reading.items() if found}, reading
