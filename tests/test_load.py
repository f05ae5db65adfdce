"""Reading content: a large folder is parsed in worker processes, with the same result as one process."""

from __future__ import annotations

from pathlib import Path

from factsite.content import load


def _folder(root: Path) -> None:
    stats = root / "stats"
    stats.mkdir(parents=True)
    for number in range(12):
        (stats / f"s{number:02}.yaml").write_text(f"slug: s{number:02}\nshort_title: Figure {number}\nfigure: {{value: {number}}}\n")
    (stats / "s03.yaml").write_text("slug: s03\nshort_title: [unclosed\n")  # not valid YAML: a located problem
    (stats / "s07.yaml").write_text("slug: s07\nslug: again\n")  # a field given twice
    (stats / "notes.txt").write_text("not content\n")
    (stats / "drafts").mkdir()


def test_worker_processes_read_content_as_one_process_does(tmp_path: Path, monkeypatch) -> None:
    _folder(tmp_path)
    monkeypatch.setattr(load, "PARALLEL_FROM", 10**9)
    alone = load.load_content(tmp_path)
    monkeypatch.setattr(load, "PARALLEL_FROM", 1)
    monkeypatch.setattr(load, "usable_cores", lambda: 2)
    forked = load.load_content(tmp_path)
    assert [r.text is None for r in forked.stats] == [True] * 10  # parsed in a worker: the text stays behind
    assert [(r.shown_path, r.data) for r in forked.stats] == [(r.shown_path, r.data) for r in alone.stats]
    assert forked.problems == alone.problems and len(alone.problems) == 5  # and site.yaml is missing
    assert [p.line for p in forked.problems if "s03" in p.path or "s07" in p.path] == [3, 2]
    assert forked.unreadable == alone.unreadable
    # A message about a record read in a worker still names the line of its field.
    assert [r.line_of(("short_title",)) for r in forked.stats] == [r.line_of(("short_title",)) for r in alone.stats] == [2] * 10


# --- Only regular files inside content/ are read ----------------------------------------------------

import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402

from factsite.content.validate import validate  # noqa: E402

from .conftest import GOOD, ROOT, copy_good_tree, run_build  # noqa: E402
from .tools import snapshot  # noqa: E402

LINK = "this is a symbolic link: content is read only from files and folders inside content/, so replace the link with what it points to"
SECRET = "s3cr3t-9f2e-never-published"


def errors_for(content: Path) -> list[str]:
    """Every error the real loader and validator report for `content` (a content folder)."""
    result, problems = validate(load.load_content(content))
    assert result is None, "the content was accepted"
    return [str(p) for p in problems if p.severity == "error"]


@pytest.fixture(scope="module")
def draft_site(tmp_path_factory) -> Path:
    """A good draft build of the fixture content, copied into each test that builds over it."""
    out = tmp_path_factory.mktemp("draft") / "site"
    assert run_build("--draft", "--content", str(GOOD), "--out", str(out)).returncode == 0
    return out


def build_over(tmp_path: Path, content: Path, draft_site: Path, timeout: float = 120) -> list[str]:
    """`build.py --draft` over a copy of a good site: it must fail with exit 1 and leave the site as it was."""
    site = tmp_path / "site"
    shutil.copytree(draft_site, site, symlinks=True)
    before = snapshot(site)
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--draft", "--content", str(content), "--out", str(site)],
                            cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr[-3000:])
    assert snapshot(site) == before, "site/ was changed"
    return result.stderr.splitlines()


def _outside_file(tmp_path: Path, name: str, text: str) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    (outside / name).write_text(text)
    return outside / name


@pytest.mark.parametrize("link", ["pages/methodology.md", "stats/cases-rise.yaml", "site.yaml"])
def test_a_file_that_is_a_link_out_of_content_is_refused_and_not_published(tmp_path: Path, draft_site: Path, link: str) -> None:
    content = copy_good_tree(tmp_path)
    # The same text, plus a secret: were the link followed, the build would succeed and publish it.
    original = (content / link).read_text()
    text = original.replace("Rise in cases", f"Rise in cases {SECRET}") if link.endswith(".yaml") else f"{original}\n{SECRET}\n"
    target = _outside_file(tmp_path, Path(link).name, text)
    (content / link).unlink()
    (content / link).symlink_to(target)
    lines = build_over(tmp_path, content, draft_site)
    assert f"content/{link}: {LINK}" in lines, lines
    assert not any(SECRET in p.read_text(errors="replace") for p in (tmp_path / "site").rglob("*") if p.is_file())


def test_a_folder_that_is_a_link_out_of_content_is_refused(tmp_path: Path, draft_site: Path) -> None:
    content = copy_good_tree(tmp_path)
    outside = tmp_path / "outside-stats"
    shutil.move(content / "stats", outside)
    (content / "stats").symlink_to(outside)
    lines = build_over(tmp_path, content, draft_site)
    assert f"content/stats: {LINK}" in lines, lines


def test_a_link_to_another_content_file_is_refused_too(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    (content / "stats" / "copy.yaml").symlink_to(content / "stats" / "cases-rise.yaml")
    assert f"content/stats/copy.yaml: {LINK}" in errors_for(content)


def test_a_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    os.mkfifo(content / "stats" / "pipe.yaml")
    os.mkfifo(content / "pages" / "methodology.md.tmp")
    (content / "pages" / "methodology.md").unlink()
    os.mkfifo(content / "pages" / "methodology.md")
    errors = errors_for(content)
    special = "this is not a regular file (a device, pipe or socket): replace it with a plain text file"
    assert f"content/stats/pipe.yaml: {special}" in errors
    assert f"content/pages/methodology.md: {special}" in errors, errors


def test_the_size_is_checked_before_the_file_is_read(tmp_path: Path) -> None:
    """A sparse file of 400 MB takes no disk space; reading it whole took 400 MB of memory."""
    content = copy_good_tree(tmp_path)
    big = content / "stats" / "cases-rise.yaml"
    os.truncate(big, 400_000_000)
    # VmHWM, the peak of this process's own memory: ru_maxrss would count the forking pytest process too
    script = ("import re, sys; from factsite.content.load import load_content; from pathlib import Path; "
              "raw = load_content(Path(sys.argv[1])); print('\\n'.join(map(str, raw.problems))); "
              "print(int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) // 1024)")
    result = subprocess.run([sys.executable, "-c", script, str(content)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    *problems, peak_mb = result.stdout.splitlines()
    assert "content/stats/cases-rise.yaml: the file is 400,000,000 bytes; content files may be at most 2,000,000" in problems
    assert int(peak_mb) < 150, f"peak memory {peak_mb} MB: the file was read"


def test_the_read_stops_one_byte_past_the_cap(tmp_path: Path, monkeypatch) -> None:
    """A file that grows after its size was checked is still read no further than the cap."""
    content = copy_good_tree(tmp_path)
    path = content / "stats" / "cases-rise.yaml"
    real_fstat, asked = os.fstat, []
    monkeypatch.setattr(os, "fstat", lambda fd: os.stat_result((*real_fstat(fd)[:6], 10, *real_fstat(fd)[7:])))
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: (asked.append(n), real_read(fd, n))[1])
    os.truncate(path, 5_000_000)
    with pytest.raises(load._LoadError, match="the file is 2,000,001 bytes"):
        load.read_text(path)
    assert sum(asked) <= load.MAX_FILE_BYTES + 1


# --- Nothing in content/ is dropped silently ---------------------------------------------------------

def test_methodology_as_a_folder_is_an_error(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    (content / "pages" / "methodology.md").unlink()
    (content / "pages" / "methodology.md").mkdir()
    assert "content/pages/methodology.md: this is a folder, not a content file: move it out of this folder" in errors_for(content)


def test_a_misspelt_folder_and_unknown_files_in_content_are_errors(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    (content / "statistics").mkdir()
    shutil.copy(content / "stats" / "cases-rise.yaml", content / "statistics" / "new-figure.yaml")
    (content / "notes.yaml").write_text("not: [valid\n")
    (content / "README.txt").write_text("notes\n")
    (content / "pages" / "about.md").write_text("# About\n")
    (content / ".DS_Store").write_bytes(b"\0")  # hidden files are the system's, not content: left alone
    errors = errors_for(content)
    tail = "content/ holds site.yaml, pages/methodology.md and the folders sources/, stats/ and sheets/"
    assert f"content/statistics: the build reads no folder of this name, so nothing in it would be published: did you mean 'stats'? {tail}" in errors
    assert f"content/notes.yaml: the build reads no file of this name, so nothing in it would be published: {tail}" in errors
    assert f"content/README.txt: the build reads no file of this name, so nothing in it would be published: {tail}" in errors
    assert "content/pages/about.md: only methodology.md belongs in this folder: the build reads no other page" in errors
    assert not any(".DS_Store" in e for e in errors)


def test_a_content_folder_that_is_a_file_is_an_error(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    shutil.rmtree(content / "sources")
    (content / "sources").write_text("paper\n")
    assert "content/sources: this must be a folder (of .yaml files), not a file" in errors_for(content)


def _unprivileged(command: list[str]) -> list[str]:
    """As root, the child runs without the capabilities that read any file whatever its mode."""
    if os.geteuid() != 0:
        return command
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: an unreadable file cannot be made")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", *command]


def test_an_unreadable_file_is_a_located_message(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    (content / "stats" / "cases-rise.yaml").chmod(0)
    command = _unprivileged([sys.executable, str(ROOT / "build.py"), "check", "--content", str(content)])
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode == 1
    assert ("content/stats/cases-rise.yaml: this file cannot be read "
            "(permission denied): make it readable, e.g. chmod a+r on it") in result.stderr.splitlines(), result.stderr


# --- Tags, characters and nesting are refused before they can do harm ------------------------------

def _with_line(content: Path, line: str, name: str = "cases-rise.yaml") -> Path:
    path = content / "stats" / name
    path.write_text(path.read_text() + line)
    return path


@pytest.mark.parametrize("line, tag", [
    ("caveats: !!python/object/apply:os.system [\"true\"]\n", "!!python/object/apply:os.system"),
    ("related: !!set {a, b}\n", "!!set"),
    ("caveats: !custom [one]\n", "!custom"),
])
def test_a_tag_on_a_list_or_mapping_is_refused(tmp_path: Path, line: str, tag: str) -> None:
    content = copy_good_tree(tmp_path)
    _with_line(content, line)
    field = line.split(":")[0]
    assert (f"content/stats/cases-rise.yaml:12: {field}: the tag {tag} is not allowed: content holds plain text, "
            "numbers, lists and fields; remove the tag") in errors_for(content)


def test_a_tag_on_the_figure_mapping_and_binary_text_are_refused(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    path = content / "stats" / "cases-rise.yaml"
    path.write_text(path.read_text().replace("figure: {", "figure: !!python/object:builtins.dict {")
                    .replace("short_title: Rise in cases", "short_title: !!binary UmlzZSBpbiBjYXNlcw=="))
    errors = errors_for(content)
    assert any(e.startswith("content/stats/cases-rise.yaml:2: short_title: the tag !!binary is not allowed") for e in errors), errors


@pytest.mark.parametrize("bad, expected", [
    (b'short_title: "Rise\x07 in cases"\n',
     "content/stats/cases-rise.yaml:2: the file contains the control character U+0007 at column 19, which YAML does not allow: "
     "delete it (it is invisible in most editors: retype the text around it)"),
    ("slug: cases-rise\nshort_title: Rise in cases\n".encode("utf-16-le"),
     "content/stats/cases-rise.yaml:1: the file contains a NUL character (U+0000) at column 2: if your editor saved it as "
     "UTF-16, save it as UTF-8; otherwise delete the character"),
])
def test_a_character_yaml_refuses_is_named_by_line_in_plain_words(tmp_path: Path, bad: bytes, expected: str) -> None:
    content = copy_good_tree(tmp_path)
    path = content / "stats" / "cases-rise.yaml"
    if bad.startswith(b"short_title"):
        bad = path.read_bytes().replace(b"short_title: Rise in cases\n", bad)
    path.write_bytes(bad)
    errors = errors_for(content)
    assert expected in errors, errors
    assert not any("<unicode string>" in e or "position" in e for e in errors)


DEEP = {"flow": "deepx: " + "[" * 30000 + "]" * 30000 + "\n",
        "flow-mapping": "deepx: " + "{a: " * 30000 + "}" * 30000 + "\n",
        "block": "deepx:\n" + "- " * 30000 + "x\n"}


@pytest.mark.parametrize("kind", DEEP)
def test_deep_nesting_is_refused_before_libyaml_crashes(tmp_path: Path, kind: str) -> None:
    """At 30,000 levels libyaml's composer overflowed the C stack: `build.py check` died of SIGSEGV."""
    content = copy_good_tree(tmp_path)
    _with_line(content, DEEP[kind])
    result = run_build("check", "--content", str(content))
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    line = 13 if kind == "block" else 12  # where the 51st level opens
    assert f"content/stats/cases-rise.yaml:{line}: the file nests lists or fields too deeply (more than 50 levels)" in result.stderr.splitlines()


def test_brackets_inside_quoted_text_are_not_nesting(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    path = content / "stats" / "cases-rise.yaml"
    path.write_text(path.read_text() + "caveats:\n  - 'opened " + "[" * 5000 + " but never closed'\n")
    result, problems = validate(load.load_content(content))
    assert result is not None, problems
    assert result.stats["cases-rise"].caveats == ["opened " + "[" * 5000 + " but never closed"]


# --- The parallel loader: a crashed or hung worker ends as a located problem ------------------------

def test_a_file_that_crashed_the_parallel_loader_no_longer_hangs_the_build(tmp_path: Path) -> None:
    """1,000 files are loaded in forked workers; the deep file killed one, and Pool waited for it forever."""
    content = copy_good_tree(tmp_path)
    text = (content / "stats" / "cases-rise.yaml").read_text()
    for number in range(load.PARALLEL_FROM):
        (content / "stats" / f"gen-{number:04}.yaml").write_text(text.replace("slug: cases-rise", f"slug: gen-{number:04}"))
    _with_line(content, DEEP["flow"], "gen-0500.yaml")
    started = time.monotonic()
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "check", "--content", str(content)],
                            cwd=ROOT, capture_output=True, text=True, timeout=90)
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    assert "content/stats/gen-0500.yaml:12: the file nests lists or fields too deeply (more than 50 levels)" in result.stderr.splitlines()
    assert time.monotonic() - started < 60


def _forked_loading(monkeypatch) -> None:
    monkeypatch.setattr(load, "PARALLEL_FROM", 1)
    monkeypatch.setattr(load, "usable_cores", lambda: 2)
    monkeypatch.setattr(load, "CHUNK", 3)


def test_a_worker_that_crashes_is_named_by_its_file_and_the_rest_still_load(tmp_path: Path, monkeypatch) -> None:
    _folder(tmp_path)
    alone = load.load_content(tmp_path)
    _forked_loading(monkeypatch)
    real = load.parse_yaml

    def crash_on_two(text: str, path: Path, shown: str):
        if path.name in ("s05.yaml", "s10.yaml"):  # in the forked worker: as a crash in libyaml's C code would
            os.kill(os.getpid(), signal.SIGSEGV)
        return real(text, path, shown)

    monkeypatch.setattr(load, "parse_yaml", crash_on_two)
    started = time.monotonic()
    forked = load.load_content(tmp_path)
    assert time.monotonic() - started < 30
    crashed = [p for p in forked.problems if p.path.endswith(("/s05.yaml", "/s10.yaml"))]
    assert [str(p).split(": ", 1)[1] for p in crashed] == [
        "reading this file crashed the process that parsed it: check it for very long or deeply nested lines, and simplify them"] * 2
    assert [r.data for r in forked.stats] == [r.data for r in alone.stats if r.path.name not in ("s05.yaml", "s10.yaml")]
    assert sorted(forked.problems) == sorted([p for p in alone.problems] + crashed)


def test_a_worker_that_hangs_is_stopped_and_named_by_its_file(tmp_path: Path, monkeypatch) -> None:
    _folder(tmp_path)
    _forked_loading(monkeypatch)
    monkeypatch.setattr(load, "FILE_TIMEOUT", 1.0)
    real = load.parse_yaml

    def hang_on_s08(text: str, path: Path, shown: str):
        if path.name == "s08.yaml":
            time.sleep(600)
        return real(text, path, shown)

    monkeypatch.setattr(load, "parse_yaml", hang_on_s08)
    started = time.monotonic()
    forked = load.load_content(tmp_path)
    assert time.monotonic() - started < 30
    hung = [str(p) for p in forked.problems if "s08" in p.path]
    assert hung == [f"{tmp_path.name}/stats/s08.yaml: reading this file took more than 1 s and was stopped: "
                    "check it for very long or deeply nested lines, and simplify them"], forked.problems
    assert len(forked.stats) == 9
