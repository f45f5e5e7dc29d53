"""The ``frenchtech fund`` commands, as a user runs them: generate, allocate, ledger, report."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

from click.testing import CliRunner

from frenchtech.cli import main


def test_generate_and_allocate_write_the_artefacts(tmp_path):
    runner = CliRunner()
    apps = tmp_path / "apps.csv"
    r = runner.invoke(main, ["fund", "generate", "--n", "60", "--seed", "1", "--out", str(apps)])
    assert r.exit_code == 0, r.output
    assert "GENERATED" in r.output and apps.read_text().startswith("# GENERATED")
    out = tmp_path / "alloc"
    r = runner.invoke(main, ["fund", "allocate", "fund-2014", "--applications", str(apps), "--out", str(out),
                             "--explain-limit", "3"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("OPTIMAL") and "gap" in r.output
    rows = list(csv.DictReader(line for line in open(out / "allocation.csv") if not line.startswith("#")))
    assert len(rows) == 60 and any(row["funded"] == "true" for row in rows)
    doc = json.loads((out / "explanation.json").read_text())
    assert doc["status"] == "optimal" and doc["generated_input"] is True
    md = (out / "explanation.md").read_text()
    assert "## Binding rules" in md and "GENERATED" in md and "smallest change" in md


def test_bad_input_exits_with_a_clear_message(tmp_path):
    apps = tmp_path / "apps.csv"
    apps.write_text("application_id,accelerator,siren,commune,requested_eur,private_eur,pre_money_eur\n"
                    "A1,X,732829320,69123,-100,1000,1000\n")
    r = CliRunner().invoke(main, ["fund", "allocate", "fund-2014", "--applications", str(apps), "--out",
                                  str(tmp_path / "o")])
    assert r.exit_code == 2 and "line 2, column 'requested_eur'" in r.output


def test_ledger_commands_on_a_sqlite_file(tmp_path):
    runner = CliRunner()
    apps, out = tmp_path / "apps.csv", tmp_path / "alloc"
    runner.invoke(main, ["fund", "generate", "--n", "30", "--seed", "3", "--out", str(apps)])
    r = runner.invoke(main, ["fund", "allocate", "fund-2014", "--applications", str(apps), "--out", str(out),
                             "--explain-limit", "0"])
    assert r.exit_code == 0, r.output
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}"}
    funded = [r["application_id"] for r in csv.DictReader(line for line in open(out / "allocation.csv")
                                                         if not line.startswith("#")) if r["funded"] == "true"]
    batch = tmp_path / "batch.csv"
    batch.write_text("op,application_id,amount,decision,key\n"
                     f"disburse,{funded[1]},200000.00,pay-2,pay-2:{funded[1]}\n"
                     f"write_off,{funded[1]},50000.00,pay-2,wo-2:{funded[1]}\n")
    script = ("import sys; from frenchtech.cli import main\n"
              "for args in [['fund','ledger','open'], ['fund','ledger','commit',sys.argv[1]],"
              " ['fund','ledger','commit',sys.argv[1]], ['fund','ledger','disburse',sys.argv[3],'100000.50',"
              "'--decision','pay-1'], ['fund','ledger','decide','disbursement','pay-2'],"
              " ['fund','ledger','apply',sys.argv[2]], ['fund','ledger','apply',sys.argv[2]],"
              " ['fund','ledger','list'], ['fund','report']]:\n"
              "    main(args, standalone_mode=False)\n")
    res = subprocess.run([sys.executable, "-c", script, str(out), str(batch), funded[0]], env=env,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "0 commitment(s) booked" in res.stdout          # the second commit is a no-op
    assert "2 entries booked" in res.stdout and "0 entries booked, 2 already booked" in res.stdout
    assert "ledger balanced: yes" in res.stdout and "respected" in res.stdout


def test_every_command_in_the_docs_exists():
    import re
    from pathlib import Path

    from frenchtech.cli.fund import fund

    text = (Path(__file__).parents[2] / "docs" / "fund.md").read_text(encoding="utf-8")
    named = set(re.findall(r"fund (generate|allocate|report|ledger [a-z-]+)", text))
    assert {"generate", "allocate", "report", "ledger commit", "ledger write-off"} <= named
    for cmd in named:
        group = fund
        for part in cmd.split():
            assert part in group.commands, f"docs name `fund {cmd}`, which does not exist"
            group = group.commands[part]
