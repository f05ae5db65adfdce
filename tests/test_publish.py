"""Publishing: one atomic step, one build at a time, never over someone else's folder.

Every test runs the real `build.py` in its own process. Faults are real: SIGKILL from a hook injected
around the commit's file system calls (as the reliability review did), a read-only bind mount or
file system, a full tmpfs. Mounting needs root (or CAP_SYS_ADMIN); those tests skip, saying so,
where it is not allowed.
"""

from __future__ import annotations

import fcntl
import http.client
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from factsite.publish.serve import start_server
MARKER = ".factsite-output"  # the marker every output folder carries (factsite.publish.write.MARKER)

from .conftest import GOOD, ROOT, change_one_statistic, retitle
from .tools import copy_checkout, snapshot

# Wraps the commit's file system calls: counts them, SIGKILLs the build at call KILL_AT (0: never),
# fails call FAIL_AT as a full disk would, sleeps SLOW_COMMIT seconds at the start of the commit, or
# makes the atomic exchange unavailable.
HOOK = r'''
import errno, json, os, runpy, signal, sys, time
sys.path.insert(0, os.environ["ROOT"])
import factsite.publish.write as write

KILL_AT, state = int(os.environ.get("KILL_AT", "0")), {"on": False, "n": 0, "calls": {}}
FAIL_AT = int(os.environ.get("FAIL_AT", "0"))

def counted(name, function):
    def wrapper(*args, **kwargs):
        if state["on"]:
            state["n"] += 1
            state["calls"].setdefault(name, []).append(state["n"])
            if state["n"] == KILL_AT:
                os.kill(os.getpid(), signal.SIGKILL)
            if state["n"] == FAIL_AT:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(args[-1]))
        return function(*args, **kwargs)
    return wrapper

for name in ("replace", "rename", "link", "remove", "unlink", "rmdir"):
    setattr(os, name, counted(name, getattr(os, name)))
if os.environ.get("NO_EXCHANGE"):
    write._exchange = lambda one, two: False  # as on a system or file system without RENAME_EXCHANGE
if hasattr(write, "_exchange"):
    write._exchange = counted("exchange", write._exchange)

commit = write.SiteWriter.commit

def hooked_commit(self):
    if os.environ.get("COMMITTING"):
        open(os.environ["COMMITTING"], "w").close()
        time.sleep(float(os.environ.get("SLOW_COMMIT", "0")))
    state["on"] = True
    try:
        return commit(self)
    finally:
        state["on"] = False
        if os.environ.get("COUNT_FILE"):
            with open(os.environ["COUNT_FILE"], "w") as handle:
                json.dump({"total": state["n"], "calls": state["calls"]}, handle)

write.SiteWriter.commit = hooked_commit
sys.argv = ["build.py", *sys.argv[1:]]
runpy.run_path(os.path.join(os.environ["ROOT"], "build.py"), run_name="__main__")
'''


def leftovers(parent: Path, name: str = "site") -> list[str]:
    return sorted(p for p in os.listdir(parent) if p.startswith((f".{name}-new-", f".{name}-old-", f".{name}-work-")))


class Builds:
    """The fixture content in two versions (old, and retitled), built with the real command line."""

    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.old = tmp_path / "old"
        self.new = tmp_path / "new"
        shutil.copytree(GOOD, self.old)
        shutil.copytree(GOOD, self.new)
        retitle(self.new, "Fixture facts, retitled")
        self.hook = tmp_path / "hook.py"
        self.hook.write_text(HOOK)
        self.env = {**os.environ, "ROOT": str(ROOT), "FACTSITE_CACHE": str(tmp_path / "cache")}
        self.env.pop("URL", None)

    def run(self, content: Path, out: Path, *, hooked: bool = False, env: dict[str, str] | None = None,
            wait: bool = True) -> subprocess.CompletedProcess | subprocess.Popen:
        program = [str(self.hook)] if hooked else [str(ROOT / "build.py")]
        command = [sys.executable, *program, "--draft", "--content", str(content), "--out", str(out)]
        if not wait:
            return subprocess.Popen(command, env={**self.env, **(env or {})}, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
        return subprocess.run(command, env={**self.env, **(env or {})}, capture_output=True, text=True, timeout=300)

    def reference(self, content: Path) -> dict[str, str]:
        out = self.tmp / f"reference-{content.name}"
        if not out.exists():
            assert self.run(content, out).returncode == 0
        return snapshot(out)


def folders(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_dir())


def assert_clean_failure(result: subprocess.CompletedProcess, reason: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "build: cannot write " in result.stderr and reason in result.stderr, result.stderr
    assert "was left as it was" in result.stderr, result.stderr


# R5, R11: SIGKILL at chosen points of the commit -----------------------------------------------

def kill_points(calls: dict, total: int, fallback: bool) -> list[int]:
    """The first and last call, the middle, and each side of every step that publishes."""
    points = {1, max(1, total // 2), total}
    for step in ("exchange", "rename") if not fallback else ("rename",):
        for index in calls.get(step, []):
            points |= {index, index + 1}  # just before it, and just after
    return sorted(point for point in points if 1 <= point <= total)


@pytest.mark.parametrize("fallback", [False, True], ids=["exchange", "two-renames"])
def test_a_sigkill_anywhere_in_the_commit_leaves_the_old_or_the_new_site(tmp_path: Path, fallback: bool) -> None:
    builds = Builds(tmp_path)
    old, new = builds.reference(builds.old), builds.reference(builds.new)
    env = {"NO_EXCHANGE": "1"} if fallback else {}
    site = tmp_path / "site"
    shutil.copytree(tmp_path / "reference-old", site)
    counts = tmp_path / "counts.json"
    assert builds.run(builds.new, site, hooked=True, env={**env, "COUNT_FILE": str(counts)}).returncode == 0
    assert snapshot(site) == new
    seen = json.loads(counts.read_text())
    points = kill_points(seen["calls"], seen["total"], fallback)
    assert len(points) >= 3, seen
    broken = tmp_path / "broken"  # content that fails validation: the next start must still repair site/
    shutil.copytree(builds.new, broken)
    (broken / "stats" / "cases-rise.yaml").write_text("slug: cases-rise\nfigure: [\n")
    mixed: list[str] = []
    after: list[str] = []
    for point in points:
        shutil.rmtree(site)
        shutil.copytree(tmp_path / "reference-old", site)
        killed = builds.run(builds.new, site, hooked=True, env={**env, "KILL_AT": str(point)})
        assert killed.returncode == -9, (point, killed.stderr)
        if site.exists():
            if snapshot(site) not in (old, new):
                mixed.append(f"killed at commit call {point} of {seen['total']}: a mixed site")
        elif not fallback:  # only the fallback, between its two renames, may leave no site/ (the old one whole beside it)
            mixed.append(f"killed at commit call {point}: no site/ at all")
        failed = builds.run(broken, site)  # the next build (even a failing one) puts back or cleans up
        assert failed.returncode == 1 and "Traceback" not in failed.stderr, failed.stderr
        if not site.is_dir() or snapshot(site) not in (old, new):
            after.append(f"after the kill at {point}, the next start left no whole site/")
        if leftovers(tmp_path):
            after.append(f"after the kill at {point}, the next start left {leftovers(tmp_path)}")
        assert builds.run(builds.new, site).returncode == 0
        assert snapshot(site) == new
    assert mixed == [] and after == []


def publish_order(old: dict[str, str], new: dict[str, str]) -> list[tuple[str, str | None]]:
    """What an in-place publish does, in its order: each changed file (all but pages, then pages) with
    its new digest, then each removed file (None)."""
    changed = sorted((name for name in new if old.get(name) != new[name]), key=lambda name: (name.endswith(".html"), name))
    return [(name, new[name]) for name in changed] + [(name, None) for name in sorted(set(old) - set(new))]


def applied_prefix(site: dict[str, str], old: dict[str, str], order: list[tuple[str, str | None]]) -> bool:
    """Is the site the old one with the first steps of `order` done, and no others (each file whole)?"""
    done = [site.get(name) == digest for name, digest in order]
    untouched = {name for name in old if name not in {step for step, _ in order}}
    return (done == sorted(done, reverse=True) and all(site.get(name) == old[name] for name in untouched)
            and set(site) <= set(old) | {name for name, digest in order if digest is not None}
            and all(site.get(name) in (old.get(name), digest) for name, digest in order))


def test_a_sigkill_while_publishing_in_place_leaves_whole_files_and_the_next_build_repairs(tmp_path: Path) -> None:
    """A small change is renamed into place file by file: killed anywhere, the site is the old one with
    a prefix of the publish order done (every file old or new, whole), and the next build, with no
    record (forgotten before the commit), is full and leaves the site exactly as a build from scratch."""
    builds = Builds(tmp_path)
    small = tmp_path / "small"
    shutil.copytree(GOOD, small)
    change_one_statistic(small)
    old, new = builds.reference(builds.old), builds.reference(small)
    order = publish_order(old, new)
    assert any(digest is None for _, digest in order) and any(name.endswith(".html") for name, _ in order)
    site, counts = tmp_path / "site", tmp_path / "counts.json"
    assert builds.run(builds.old, site).returncode == 0
    inode = site.stat().st_ino
    assert builds.run(small, site, hooked=True, env={"COUNT_FILE": str(counts)}).returncode == 0
    assert snapshot(site) == new and site.stat().st_ino == inode  # in place: not swapped
    seen = json.loads(counts.read_text())
    assert "exchange" not in seen["calls"], seen
    renames = seen["calls"].get("replace", []) + seen["calls"].get("rename", [])
    assert len(renames) == len(order), (seen, order)
    points = sorted({1, seen["total"]} | {renames[i] for i in (0, len(renames) // 2, -1)}
                    | {renames[i] + 1 for i in (0, len(renames) // 2)})
    problems: list[str] = []
    for point in points:
        shutil.rmtree(site)
        assert builds.run(builds.old, site).returncode == 0
        killed = builds.run(small, site, hooked=True, env={"KILL_AT": str(point)})
        assert killed.returncode == -9, (point, killed.stderr)
        if not applied_prefix(snapshot(site), old, order):
            problems.append(f"killed at commit call {point} of {seen['total']}: not the old site with a prefix of the order done")
        repaired = builds.run(small, site)
        assert repaired.returncode == 0, repaired.stderr
        if "full build: no dependency record" not in repaired.stdout:
            problems.append(f"after the kill at {point}, the next build trusted a record: {repaired.stdout}")
        if snapshot(site) != new or folders(site) != folders(tmp_path / "reference-small") or leftovers(tmp_path):
            problems.append(f"after the kill at {point}, the next build did not leave the site a fresh build makes")
    assert problems == []


def test_a_failed_write_while_publishing_in_place_puts_every_old_file_back(tmp_path: Path) -> None:
    builds = Builds(tmp_path)
    small = tmp_path / "small"
    shutil.copytree(GOOD, small)
    change_one_statistic(small)
    site, counts = tmp_path / "site", tmp_path / "counts.json"
    assert builds.run(builds.old, site).returncode == 0
    assert builds.run(small, site, hooked=True, env={"COUNT_FILE": str(counts)}).returncode == 0
    seen = json.loads(counts.read_text())
    renames = sorted(seen["calls"].get("replace", []) + seen["calls"].get("rename", []))
    for point in (renames[0], renames[len(renames) // 2], renames[-1]):  # the first file, the middle, the last removal
        shutil.rmtree(site)
        assert builds.run(builds.old, site).returncode == 0
        before, made = snapshot(site, identity=True), folders(site)
        failed = builds.run(small, site, hooked=True, env={"FAIL_AT": str(point)})
        assert_clean_failure(failed, "No space left on device")
        assert snapshot(site, identity=True) == before and folders(site) == made, f"a failure at commit call {point} did not put the old site back"
        assert leftovers(tmp_path) == []
    assert builds.run(small, site).returncode == 0
    assert snapshot(site) == builds.reference(small)


def test_leftovers_of_killed_builds_are_removed_at_the_next_start(tmp_path: Path) -> None:
    builds = Builds(tmp_path)
    site = tmp_path / "site"
    assert builds.run(builds.old, site).returncode == 0
    for name in (".site-new-abcd1234", ".site-old-efgh5678/site", ".site-work-search-ijkl9012"):  # the last: Pagefind's
        (tmp_path / name / "stats").mkdir(parents=True)
        (tmp_path / name / "stats" / "index.html").write_text("a killed build's copy")
    unrelated = tmp_path / ".sitemap-new-1"  # another output's staging folder is not ours to remove
    unrelated.mkdir()
    assert builds.run(builds.old, site).returncode == 0
    assert leftovers(tmp_path) == []
    assert unrelated.is_dir()


def test_nothing_changed_publishes_nothing(tmp_path: Path) -> None:
    builds = Builds(tmp_path)
    site = tmp_path / "site"
    assert builds.run(builds.old, site).returncode == 0
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in [site, *site.rglob("*")]}
    again = builds.run(builds.old, site)
    assert again.returncode == 0 and "0 file(s) changed" in again.stdout
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in [site, *site.rglob("*")]} == before  # not swapped
    hashes = snapshot(site)
    assert builds.run(builds.new, site).returncode == 0
    assert site.stat().st_ino != before[site][0]  # something changed: a new folder, swapped in whole
    now = snapshot(site)
    kept = [name for name in hashes if now.get(name) == hashes[name]]
    assert kept and len(kept) < len(hashes)
    assert all((site / name).stat().st_ino == before[site / name][0] for name in kept)  # hard links, not copies


# R4: two builds at once ----------------------------------------------------------------------------

def test_a_second_build_waits_for_the_first(tmp_path: Path) -> None:
    """A second build started while one is committing waits for it, says so, and then publishes whole."""
    builds = Builds(tmp_path)
    site = tmp_path / "site"
    assert builds.run(builds.old, site).returncode == 0
    other = tmp_path / "other"  # the second build's content: titled otherwise
    shutil.copytree(builds.new, other)
    retitle_again = other / "site.yaml"
    retitle_again.write_text(retitle_again.read_text().replace("retitled", "by the second build"))
    expected_second = builds.reference(other)
    committing = tmp_path / "committing"
    first = builds.run(builds.new, site, hooked=True, wait=False,
                       env={"COMMITTING": str(committing), "SLOW_COMMIT": "2"})
    deadline = time.monotonic() + 120
    while not committing.exists():  # the first build has rendered everything and is about to commit
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.05)
    second = builds.run(other, site, wait=False)
    first_out, first_err = first.communicate(timeout=300)
    second_out, second_err = second.communicate(timeout=300)
    assert first.returncode == 0 and "Traceback" not in first_err, first_err
    assert second.returncode == 0 and "Traceback" not in second_err, second_err
    assert "another build is writing" in second_err and "waiting" in second_err
    assert snapshot(site) == expected_second  # the later build's complete site, nothing of the first mixed in
    assert leftovers(tmp_path) == []


def test_a_build_waits_while_the_lock_is_held(tmp_path: Path) -> None:
    builds = Builds(tmp_path)
    site = tmp_path / "site"
    assert builds.run(builds.old, site).returncode == 0
    before = snapshot(site)
    with open(tmp_path / ".site.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        build = builds.run(builds.new, site, wait=False)
        time.sleep(3)
        assert build.poll() is None  # still waiting
        assert snapshot(site) == before
    out, err = build.communicate(timeout=300)
    assert build.returncode == 0 and "another build is writing" in err, err
    assert snapshot(site) == builds.reference(builds.new)


# R2: the output folder ------------------------------------------------------------------------------

def test_a_folder_the_build_did_not_make_is_never_replaced(tmp_path: Path) -> None:
    builds = Builds(tmp_path)
    docs = tmp_path / "mydocs"
    (docs / "sub").mkdir(parents=True)
    (docs / "thesis.txt").write_text("two years of work")
    (docs / "sub" / "data.csv").write_text("a,b\n")
    with_link = tmp_path / "linked"
    with_link.mkdir()
    (with_link / "notes.txt").write_text("mine")
    (with_link / "elsewhere").symlink_to(docs, target_is_directory=True)
    a_file = tmp_path / "site-file"
    a_file.write_text("not a folder")
    a_link = tmp_path / "site-link"
    a_link.symlink_to(docs, target_is_directory=True)
    before = {folder: snapshot(folder) for folder in (docs, with_link)}
    for out, says in ((docs, "was not made by a build"), (with_link, "was not made by a build"),
                      (a_file, "is not a folder"), (a_link, "is a symbolic link")):
        result = builds.run(builds.old, out)
        assert result.returncode == 1 and says in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert {folder: snapshot(folder) for folder in (docs, with_link)} == before
    assert a_file.read_text() == "not a folder" and a_link.is_symlink()
    assert not (tmp_path / ".mydocs.lock").exists()  # a refused output gets nothing beside it either
    empty = tmp_path / "empty"
    empty.mkdir()
    assert builds.run(builds.old, empty).returncode == 0
    assert (empty / MARKER).is_file() and (empty / "index.html").is_file()
    assert builds.run(builds.new, empty).returncode == 0  # marked: rebuilt


@pytest.mark.parametrize("where", ["repository", "content", "ancestor"])
def test_the_repository_content_and_their_ancestors_are_refused(tmp_path: Path, where: str) -> None:
    holder = tmp_path / "holder"
    repo = holder / "repo"
    copy_checkout(repo, "node_modules", "site", ".cache", ".git", "tests", "bench")
    out = {"repository": repo, "content": repo / "content", "ancestor": holder}[where]
    before = snapshot(holder)
    env = {**os.environ, "FACTSITE_CACHE": str(tmp_path / "cache"), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([sys.executable, str(repo / "build.py"), "--draft", "--out", str(out)], cwd=repo,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout
    assert f"--out {out} " in result.stderr and "choose another --out" in result.stderr, result.stderr
    assert snapshot(holder) == before  # not one file removed, added or changed


# R12: the writer's failures -------------------------------------------------------------------------

def mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, text=True)


@pytest.fixture
def small_fs(tmp_path: Path):
    """A 16 MB tmpfs of our own; skipped where mounting is not allowed (not root, no CAP_SYS_ADMIN)."""
    if shutil.which("mount") is None:
        pytest.skip("no mount command here: cannot make a small or read-only file system")
    folder = tmp_path / "fs"
    folder.mkdir()
    try:
        mount("-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder))
    except subprocess.CalledProcessError as error:
        pytest.skip(f"mounting a tmpfs is not permitted here ({error.stderr.strip()}): needs root or CAP_SYS_ADMIN")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-R", "-l", str(folder)], capture_output=True)


def fill(folder: Path) -> Path:
    """Fill the file system under `folder` until it has no byte left."""
    filler = folder / "filler"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    for size in (4096, 512, 1):  # the last partial blocks too
        try:
            with open(folder / f"filler-{size}", "wb") as handle:
                while True:
                    handle.write(b"\0" * size)
                    handle.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_leaves_the_site_as_it_was(tmp_path: Path, small_fs: Path) -> None:
    builds = Builds(tmp_path)  # the render and search caches stay outside the small file system
    site = small_fs / "site"
    assert builds.run(builds.old, site).returncode == 0
    before = snapshot(site)
    fill(small_fs)
    assert_clean_failure(builds.run(builds.new, site), "No space left on device")
    assert snapshot(site) == before
    assert leftovers(small_fs) == []  # the staging folder is gone, freeing what it held
    first = small_fs / "first"  # a first build on a full disk: no half-made folder appears
    assert_clean_failure(builds.run(builds.old, first), "No space left on device")
    assert not first.exists() and leftovers(small_fs, "first") == []
    for filler in small_fs.glob("filler*"):
        filler.unlink()
    assert builds.run(builds.new, site).returncode == 0
    assert snapshot(site) == builds.reference(builds.new)


@pytest.mark.parametrize("change", ["every page", "one statistic"], ids=["swap", "in-place"])
def test_a_read_only_site_or_parent_leaves_the_site_as_it_was(tmp_path: Path, small_fs: Path, change: str) -> None:
    builds = Builds(tmp_path)
    if change == "one statistic":  # published in place: renames into site/, not a swap beside it
        shutil.rmtree(builds.new)
        shutil.copytree(GOOD, builds.new)
        change_one_statistic(builds.new)
    site = small_fs / "site"
    assert builds.run(builds.old, site).returncode == 0
    before = snapshot(site)
    # site/ alone read-only (its parent writable): a read-only bind mount of it on itself.
    mount("--bind", str(site), str(site))
    mount("-o", "remount,ro,bind", str(site))
    assert_clean_failure(builds.run(builds.new, site), str(site))
    assert snapshot(site) == before and leftovers(small_fs) == []
    subprocess.run(["umount", str(site)], check=True)
    # The folder that holds site/ read-only too: nothing can be staged beside it.
    mount("-o", "remount,ro", str(small_fs))
    assert_clean_failure(builds.run(builds.new, site), "Read-only file system")
    assert snapshot(site) == before
    mount("-o", "remount,rw", str(small_fs))
    folder = site.stat().st_ino
    assert builds.run(builds.new, site).returncode == 0
    assert snapshot(site) == builds.reference(builds.new)
    assert (site.stat().st_ino == folder) == (change == "one statistic")  # the path the failures took


# R20: the local servers serve what Netlify would -----------------------------------------------------

def make_site(root: Path, outside: Path) -> Path:
    site = root / "site"
    for relative in ("index.html", "404.html", "stats/a/index.html", "embed/c/index.html"):
        (site / relative).parent.mkdir(parents=True, exist_ok=True)
        (site / relative).write_text(f"<!doctype html><title>{relative}</title><body>{relative}</body>")
    (site / "assets").mkdir()
    (site / "assets" / "x.css").write_text("body{}")
    outside.mkdir()
    (outside / "secret.txt").write_text("not part of the site")
    (site / "secret.txt").symlink_to(outside / "secret.txt")
    (site / "elsewhere").symlink_to(outside, target_is_directory=True)
    return site


def get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.putrequest("GET", path, skip_accept_encoding=True)  # the path exactly as written
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {name.lower(): value for name, value in response.getheaders()}, body


@pytest.fixture(params=["serve", "devserver"])
def local_server(request, tmp_path: Path):
    site = make_site(tmp_path, tmp_path / "outside")
    if request.param == "serve":
        server = start_server(site, ROOT / "netlify.toml")
        yield server.server_address[1]
        server.shutdown()
        server.server_close()
        return
    from factsite.devserver import DevServer

    dev = DevServer(tmp_path / "content", site, ROOT, port=0, draft=True)
    dev.status.publish(True, [])  # as after a good build: pages are served as they are
    thread = threading.Thread(target=dev.server.serve_forever, daemon=True)
    thread.start()
    yield dev.server.server_port
    dev.server.shutdown()
    dev.server.server_close()


def test_local_servers_serve_only_the_site_with_the_headers_of_what_they_serve(local_server: int) -> None:
    status, headers, body = get(local_server, "/embed/c/")
    assert status == 200 and "frame-ancestors *" in headers["content-security-policy"]
    status, headers, body = get(local_server, "/stats/a/")
    assert status == 200 and "frame-ancestors 'none'" in headers["content-security-policy"]
    for path in ("/embed/..%2fstats/a/", "/embed/..%2Fstats/a/", "/embed/%2e%2e/stats/a/", "/embed/../stats/a/",
                 "/embed/./../stats/a/", "/embed/..\\stats/a/", "/embed/%5c../stats/a/"):
        status, headers, body = get(local_server, path)
        assert status == 404, path
        assert b"stats/a/index.html" not in body, path
        assert "frame-ancestors *" not in headers.get("content-security-policy", ""), path
    for path in ("/assets/", "/secret.txt", "/elsewhere/", "/elsewhere/secret.txt"):
        status, headers, body = get(local_server, path)
        assert status == 404, path
        assert b"not part of the site" not in body and b"x.css" not in body, path
    status, headers, body = get(local_server, "/assets/x.css")
    assert status == 200 and body == b"body{}"


def test_an_output_path_with_dots_locks_and_stages_beside_the_folder_it_names(tmp_path: Path) -> None:
    builds = Builds(tmp_path)
    (tmp_path / "x").mkdir()
    assert builds.run(builds.old, tmp_path / "x" / ".." / "out").returncode == 0
    assert (tmp_path / ".out.lock").is_file() and (tmp_path / "out" / MARKER).is_file()
    assert list((tmp_path / "x").iterdir()) == [] and not list(tmp_path.glob("...*"))
