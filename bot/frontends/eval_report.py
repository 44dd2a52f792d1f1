"""`quotebot eval`'s report as a table for the terminal (`--json` prints `Report.to_json()` instead)."""

from __future__ import annotations

from bot.eval.run import Report


def format_report(report: Report) -> str:
    lines = [
        f"{report.file}: {report.questions} questions ({report.in_corpus} in corpus, "
        f"{report.off_corpus} off corpus), {report.articles} articles, {report.sentences} sentences",
        f"build {report.build_seconds:.1f} s",
        "",
        f"{'ranker':<11} {'R@1':>6} {'R@3':>6} {'R@5':>6} {'MRR@10':>7} {'answered':>9} {'refused':>8} {'q/s':>8}",
    ]
    for name, s, qps in (("plain BM25", report.baseline, report.baseline_questions_per_second),
                         ("quotebot", report.quotebot, report.questions_per_second)):
        lines.append(f"{name:<11} {s.recall[1]:>6.3f} {s.recall[3]:>6.3f} {s.recall[5]:>6.3f} {s.mrr:>7.3f} "
                     f"{_percent(s.answered):>9} {_percent(s.refused):>8} {qps:>8.0f}")
    if report.quotebot.refused_by_topic:
        lines.append("\nrefused, by topic: " + ", ".join(
            f"{topic} {_percent(share)}" for topic, share in report.quotebot.refused_by_topic.items()))
    if report.calibration is not None and report.calibration.bins:
        low, high = report.calibration.interval
        lines.append(f"\nconfidence: expected calibration error {report.calibration.ece:.3f} (95 % bootstrap interval "
                     f"{low:.3f}-{high:.3f}; first passage right against confidence, 10 bins)")
    if report.unreachable:
        lines.append(f"\n{report.unreachable} questions have their answer in no indexed sentence (dropped by cleaning).")
    if report.canned_right is not None:
        lines.append(f"\n{report.canned_right} of {report.questions} canned questions right at their allowed rank.")
    return "\n".join(lines)


def _percent(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"
