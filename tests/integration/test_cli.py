"""The `facturier` command as a user runs it: exit codes, one-line messages, no traceback."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

COMMANDS = ["init", "demo", "generate", "check", "age", "refresh", "remind", "pdf",
            "send-invoices"]


def facturier(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pyfuncs.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600, check=False)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    done = facturier(command, "--help")
    assert done.returncode == 0
    assert "usage: facturier " + command in done.stdout


def test_an_unknown_option_is_one_line_and_exit_2() -> None:
    done = facturier("check", "x.xlsx", "--bogus")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "--bogus" in done.stderr


def test_a_missing_workbook_is_named_with_exit_2(tmp_path: Path) -> None:
    done = facturier("check", str(tmp_path / "nope.xlsx"))
    assert done.returncode == 2
    assert "nope.xlsx" in done.stderr and "not found" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_a_file_that_is_not_a_workbook_is_named_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_text("this is not a zip")
    done = facturier("check", str(bad))
    assert done.returncode == 2
    assert "bad.xlsx" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr + done.stdout


def test_a_bad_date_option_is_refused_with_exit_2() -> None:
    done = facturier("check", "x.xlsx", "--date", "31/02/2026")
    assert done.returncode == 2
    assert "not a date" in done.stderr


@pytest.mark.parametrize("command", ["generate", "remind", "send-invoices"])
def test_a_job_on_a_missing_workbook_says_so_in_one_line(command: str, tmp_path: Path) -> None:
    done = facturier(command, str(tmp_path / "F.xlsx"))
    assert done.returncode == 2
    assert done.stderr.strip() == f"facturier: {tmp_path / 'F.xlsx'}: file not found"


def test_check_json_prints_findings_and_exits_1_on_errors(tmp_path: Path) -> None:
    book = tmp_path / "F.xlsx"
    assert facturier("init", str(book)).returncode == 0
    done = facturier("check", str(book), "--json")
    payload = json.loads(done.stdout)
    assert "findings" in payload
    errors = [f for f in payload["findings"] if f["severity"] == "error"]
    assert done.returncode == (1 if errors else 0)
    for f in payload["findings"]:
        assert {"code", "severity", "sheet", "row", "message"} <= f.keys()
    assert "\x1b[" not in done.stdout  # no progress bar when piped


def test_refresh_does_in_one_read_what_check_then_age_do(tmp_path: Path) -> None:
    """The button 'Actualiser la balance âgée' on the command line: the same findings as
    `check`, the same aged balance as `age`, on copies of one demo workbook."""
    import shutil
    import zipfile
    from datetime import date

    from pyfuncs.demo.job import run_demo
    from tests.integration.test_demo_jobs import sheet_parts
    book = run_demo(tmp_path / "demo", today=date(2026, 11, 23), run=False).workbook
    one, two = tmp_path / "one.xlsx", tmp_path / "two.xlsx"
    shutil.copyfile(book, one)
    shutil.copyfile(book, two)
    refreshed = facturier("refresh", str(one), "--as-of", "2026-11-23", "--json")
    checked = facturier("check", str(two), "--date", "2026-11-23", "--json")
    aged = facturier("age", str(two), "--as-of", "2026-11-23", "--json")
    assert refreshed.returncode == checked.returncode, refreshed.stderr
    both = json.loads(refreshed.stdout)
    assert both["findings"] == json.loads(checked.stdout)["findings"]
    assert both["aged_balance"] == json.loads(aged.stdout)
    assert both["aged_balance"]["rows"]  # the demo has open invoices
    assert both["counts"] == json.loads(checked.stdout)["counts"]

    def written(path: Path) -> dict[str, str]:
        """The rows below the stamped title of every sheet but the dashboard (which `age`
        after `check` draws without the checks' counts: the refresh has both)."""
        with zipfile.ZipFile(path) as z:
            return {name: z.read(part).decode().split("<row ", 2)[-1]
                    for name, part in sheet_parts(path).items() if name != "Tableau de bord"}
    assert written(one) == written(two)
    text = facturier("refresh", str(one), "--as-of", "2026-11-23")
    assert text.returncode == refreshed.returncode
    assert "aged balance of" in text.stdout and "Traceback" not in text.stderr
