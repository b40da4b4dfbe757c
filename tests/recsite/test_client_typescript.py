"""A TypeScript client as a mobile team would write it: types generated from the schema by openapi-typescript,
calls made with openapi-fetch, the flow in clients/typescript/flow.ts written the natural way (numbers for
ratings, field errors read by name, no casts). `tsc --strict` must find nothing, and the flow must run end to
end against a live server. Needs Node 20+ (Debian's /usr/bin/node) and npm's registry for `npm ci`."""

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.recsite.mobile_flow import FLOW_INPUT, assert_mobile_flow

pytestmark = pytest.mark.slow
PACKAGE = Path(__file__).resolve().parents[2] / "clients" / "typescript"
SOURCES = ("package.json", "tsconfig.json", "flow.ts")
INSTALLED = PACKAGE / "node_modules" / ".recsite-lock-sha256"  # the lock file node_modules was installed from


def run(command: list, *, cwd: Path, timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def node() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("node and npm are needed for the TypeScript client test: apt-get install nodejs npm (Node 20+)")
    version = run([node, "--version"], cwd=PACKAGE, timeout=30).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < 20:
        pytest.fail(f"the TypeScript client test needs Node 20 or newer, not {version} ({node})")
    return node


@pytest.fixture(scope="module")
def typescript_project(node, openapi_schema, tmp_path_factory) -> Path:
    """clients/typescript with its pinned packages (`npm ci`, skipped while node_modules matches the lock
    file), copied to a temporary folder with schema.d.ts generated from the schema."""
    lock = hashlib.sha256((PACKAGE / "package-lock.json").read_bytes()).hexdigest()
    if not INSTALLED.is_file() or INSTALLED.read_text() != lock:
        installed = run([shutil.which("npm"), "ci", "--no-audit", "--no-fund"], cwd=PACKAGE, timeout=300)
        assert installed.returncode == 0, installed.stdout + installed.stderr
        INSTALLED.write_text(lock)
    project = tmp_path_factory.mktemp("typescript")
    for name in SOURCES:
        shutil.copy(PACKAGE / name, project / name)
    (project / "node_modules").symlink_to(PACKAGE / "node_modules", target_is_directory=True)
    shutil.copy(openapi_schema, project / "schema.json")
    generated = run(
        [node, "node_modules/.bin/openapi-typescript", "schema.json", "--output", "schema.d.ts"],
        cwd=project,
        timeout=120,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "warn" not in generated.stderr.lower(), generated.stderr
    return project


def test_the_natural_flow_type_checks_under_strict(node, typescript_project):
    checked = run(
        [node, "node_modules/.bin/tsc", "--strict", "--noEmit", "-p", "."], cwd=typescript_project, timeout=180
    )

    assert (checked.returncode, checked.stdout + checked.stderr) == (0, "")
    code = re.sub(r"//.*", "", (typescript_project / "flow.ts").read_text())
    assert not re.search(r"\bas\s+[\w{(\[]", code)  # no casts (`x as T`, `as const`) to make it so
    assert not re.search(r"[\w)\]]!(?=[.\[(])", code)  # nor non-null assertions (`data!.access`)


@pytest.mark.django_db(transaction=True)
def test_the_flow_runs_end_to_end_against_a_live_server(node, typescript_project, mobile_api):
    # Types are the other test's business: here only compile (--noCheck) and run.
    built = run([node, "node_modules/.bin/tsc", "-p", ".", "--noCheck"], cwd=typescript_project, timeout=180)
    assert built.returncode == 0, built.stdout + built.stderr

    flow = run(
        [node, "dist/flow.js", mobile_api["url"], json.dumps(FLOW_INPUT)],
        cwd=typescript_project, timeout=120,
    )  # fmt: skip

    assert flow.returncode == 0, flow.stdout + flow.stderr
    assert_mobile_flow(json.loads(flow.stdout.splitlines()[-1]), mobile_api)


def test_node_modules_and_generated_files_stay_out_of_git():
    ignored = (PACKAGE / ".gitignore").read_text().split()
    assert {"node_modules/", "dist/", "schema.json", "schema.d.ts"} <= set(ignored)
    assert os.path.isfile(PACKAGE / "package-lock.json")
    pinned = json.loads((PACKAGE / "package.json").read_text())
    versions = {**pinned["dependencies"], **pinned["devDependencies"]}
    assert all(version[0].isdigit() for version in versions.values()), versions  # exact versions, no ranges
