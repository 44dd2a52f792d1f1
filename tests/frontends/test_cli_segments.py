"""`quotebot add`, `remove` and `status` through the real command line: articles come and go without
a rebuild, and what the folder holds that the index does not is shown."""

from __future__ import annotations

import json

from tests.frontends.test_cli import run

VOLCANO = "Volcano erupts\n\nThe volcano on Halvik island erupted at dawn and lava reached the sea.\n"


def _status(settings) -> dict:
    result = run(["status", "--json"], settings)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_add_copies_a_file_in_and_it_is_answered_at_once(tiny_corpus, tmp_path):
    assert run(["build"], tiny_corpus).exit_code == 0
    outside = tmp_path / "downloads" / "volcano.txt"
    outside.parent.mkdir()
    outside.write_text(VOLCANO, encoding="utf-8")
    result = run(["add", str(outside)], tiny_corpus)
    assert result.exit_code == 0, result.output
    assert "Copied volcano.txt into" in result.stderr and "Indexed 1 new or edited file (2 segments)" in result.stdout
    assert (tiny_corpus.corpus_dir / "volcano.txt").read_text(encoding="utf-8") == VOLCANO
    answer = json.loads(run(["ask", "--json", "When did the volcano erupt?"], tiny_corpus).stdout)
    assert answer["found"] and "erupted at dawn" in answer["passages"][0]["quote"]
    status = _status(tiny_corpus)
    assert [s["files"] for s in status["segments"]] == [3, 1] and status["articles"] == 4
    assert status["added"] == status["edited"] == status["deleted"] == []


def test_add_refuses_a_clash_and_a_non_article_without_copying(tiny_corpus, tmp_path):
    assert run(["build"], tiny_corpus).exit_code == 0
    clash = tmp_path / "a.txt"
    clash.write_text("Another story\n\nNothing like the bridge.\n", encoding="utf-8")
    result = run(["add", str(clash)], tiny_corpus)
    assert result.exit_code == 2 and "a.txt is already in the corpus folder with other content" in result.output
    picture = tmp_path / "photo.jpg"
    picture.write_bytes(b"\xff\xd8")
    result = run(["add", str(picture)], tiny_corpus)
    assert result.exit_code == 2 and "is not an article file" in result.output
    result = run(["add", str(tmp_path / "missing.txt")], tiny_corpus)
    assert result.exit_code == 2 and "no such file or folder" in result.output
    assert sorted(p.name for p in tiny_corpus.corpus_dir.iterdir()) == ["a.txt", "b.txt", "c.txt"]


def test_remove_deletes_the_file_and_its_text_is_never_quoted_again(tiny_corpus):
    assert run(["build"], tiny_corpus).exit_code == 0
    (tiny_corpus.corpus_dir / "b.json").write_text('{"publisher": "City News"}', encoding="utf-8")
    assert run(["add", str(tiny_corpus.corpus_dir / "b.txt")], tiny_corpus).exit_code == 0  # the sidecar, in place
    result = run(["remove", "b.txt"], tiny_corpus)
    assert result.exit_code == 0, result.output
    assert "Deleted b.txt from" in result.stderr and "Took out 1 deleted file" in result.stdout
    assert not (tiny_corpus.corpus_dir / "b.txt").exists() and not (tiny_corpus.corpus_dir / "b.json").exists()
    answer = json.loads(run(["ask", "--json", "Who cut the ribbon at the library?"], tiny_corpus).stdout)
    assert not any("ribbon" in p["quote"] for p in answer["passages"])
    result = run(["remove", "b.txt"], tiny_corpus)
    assert result.exit_code == 2 and "neither in the corpus folder nor in the index" in result.output


def test_a_file_deleted_by_hand_is_taken_out_by_remove(tiny_corpus):
    assert run(["build"], tiny_corpus).exit_code == 0
    (tiny_corpus.corpus_dir / "c.txt").unlink()
    status = _status(tiny_corpus)
    assert status["deleted"] == ["c.txt"] and status["articles"] == 3  # seen, not yet applied
    result = run(["remove", "c.txt"], tiny_corpus)
    assert result.exit_code == 0, result.output
    assert _status(tiny_corpus)["articles"] == 2


def test_status_lists_what_waits_and_what_a_merge_needs(tiny_corpus):
    assert run(["build"], tiny_corpus).exit_code == 0
    (tiny_corpus.corpus_dir / "d.txt").write_text(VOLCANO, encoding="utf-8")
    path = tiny_corpus.corpus_dir / "a.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nThe bridge was painted green.\n", encoding="utf-8")
    result = run(["status"], tiny_corpus)
    assert result.exit_code == 0, result.output
    assert "3 articles" in result.stdout and "1 segment" in result.stdout
    assert "Not indexed yet: 1 added (d.txt); 1 edited (a.txt)" in result.stdout
    assert "A full merge would need about" in result.stdout


def test_merge_leaves_one_segment_answering_the_same(tiny_corpus, tmp_path):
    assert run(["build"], tiny_corpus).exit_code == 0
    (tiny_corpus.corpus_dir / "d.txt").write_text(VOLCANO, encoding="utf-8")
    assert run(["add", str(tiny_corpus.corpus_dir / "d.txt")], tiny_corpus).exit_code == 0
    (tiny_corpus.corpus_dir / "b.txt").unlink()
    before = run(["ask", "--json"], tiny_corpus, input="When did the volcano erupt?\nsteel cables\nribbon library\n").stdout
    assert len(_status(tiny_corpus)["segments"]) == 2
    result = run(["merge"], tiny_corpus)
    assert result.exit_code == 0 and result.stdout.startswith("1 segment, merged"), result.output
    status = _status(tiny_corpus)
    assert len(status["segments"]) == 1 and status["segments"][0]["dead_share"] == 0.0 and status["articles"] == 3
    assert run(["ask", "--json"], tiny_corpus, input="When did the volcano erupt?\nsteel cables\nribbon library\n").stdout == before


def test_status_without_an_index_is_a_clear_error(tiny_corpus):
    result = run(["status"], tiny_corpus)
    assert result.exit_code == 2 and "no usable index" in result.output
