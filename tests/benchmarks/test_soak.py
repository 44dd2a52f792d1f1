"""A short run of benchmarks/soak.py (about 20 s, smaller load): the real bot process under faults, a
restart, a rate-limit hammer and strangers; nothing lost, no duplicate except those a connection
dropped after the send explains, and the allowlist holds."""

from __future__ import annotations

import json

from tests.support.scripts import load_script


def test_short_soak_meets_the_targets(tmp_path):
    soak = load_script("soak")
    args = soak.parse_args(["--seconds", "20", "--users", "6", "--per-minute", "12", "--strangers", "3", "--hammer-rate", "4",
                            "--fault-every", "1.5", "--warmup", "2", "--sample-every", "1", "--drain", "20",
                            "--seed", "7", "--out", str(tmp_path), "--tag", "test"])
    report = soak.soak(args)
    assert json.loads((tmp_path / "soak-test.json").read_text())["lost"] == report["lost"]
    detail = json.dumps({k: report[k] for k in ("lost detail", "unexplained duplicates detail", "leaks")})
    assert report["questions asked"] >= 15 and report["stranger actions"] >= 3
    assert report["lost"] == 0, detail
    assert report["duplicated (unexplained)"] == 0, detail
    assert not report["corpus text reached a stranger"], detail
    assert report["replies to strangers other than the refusal"] == 0, detail
    assert 1 <= report["refusals to strangers"] <= 2 * 3  # once per stranger and bot process
    assert report["rate-limit replies"] >= 1 and report["hammer told to slow down"] >= 1
    assert report["restart"]["exit code"] == 0 and report["final exit code"] == 0
    assert sum(report["faults fired"].values()) >= 5, report["faults fired"]
    assert not report["token in logs"] and report["tracebacks in logs"] == 0
    assert report["apologies"] == 0
