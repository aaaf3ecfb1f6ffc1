"""A maintainer validates, then builds a release: the build knows the clean verdict of the very same
inputs and does not validate again, and releases the same data; anything changed since, and it does."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from test_release import make_workspace

from annotation.schema import LabelSchema
from annotation.store import AnnotationStore
from corpus.errors import NewsdeskError
from corpus.workspace import Workspace
from releases.build import build_release
from validation import verdict
from validation.validate import validate


def validated(report) -> bool:
    return any(name.startswith("validate") for name in report.timings.wall)


def data_sums(folder: Path) -> dict[str, str]:
    files = sorted(folder.glob("data/*/*.parquet")) + [folder / "splits.json"]
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.mark.parametrize("one_process", ["0", "1"])
def test_a_build_after_a_clean_validation_skips_it_and_releases_the_same(tmp_path, monkeypatch, one_process):
    monkeypatch.setenv("NEWSDESK_ONE_PROCESS", one_process)
    ws = make_workspace(tmp_path / "ws")
    report = validate(ws)  # `newsdesk validate`: clean, so remembered
    assert not report.errors and ws.path(*verdict.VERDICT_FILE).exists()
    remembered = build_release(ws, "0.1.0")
    assert not validated(remembered)

    verdict.forget(ws)
    checked = build_release(ws, "0.2.0")  # the same inputs, validated this time
    assert validated(checked)
    assert data_sums(remembered.path) == data_sums(checked.path)
    cards = [(r.path / "README.md").read_text(encoding="utf-8") for r in (remembered, checked)]
    headline = report.agreement.headline()
    assert headline and all(f"{value}" in card for value in headline.values() for card in cards)
    assert (
        json.loads((remembered.path / "manifest.json").read_text())["counts"]
        == json.loads((checked.path / "manifest.json").read_text())["counts"]
    )
    assert not validated(build_release(ws, "0.3.0"))  # the build that validated remembered it


def test_a_store_changed_since_the_validation_is_validated_again(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    assert not validate(ws).errors
    store = AnnotationStore(ws)
    ben = next(r for r in store.records() if r.annotator == "ben@newsdesk.example")
    broken = replace(ben, spans=[ben.spans[0]._replace(start=ben.spans[0].start + 1)], links=[], choices=[])
    store.append([replace(broken, updated_at="2031-01-01T00:00:00Z")], "broken")
    with pytest.raises(NewsdeskError) as exc:
        build_release(ws, "0.1.0")
    assert exc.value.code == "E304" and "V202" in exc.value.one_line()
    assert validate(ws).errors  # a validation with errors is never remembered
    with pytest.raises(NewsdeskError):
        build_release(ws, "0.1.0")


def test_the_key_follows_every_input_and_the_code(tmp_path, monkeypatch):
    ws = make_workspace(tmp_path / "ws")
    key = verdict.inputs_key(ws)
    assert verdict.inputs_key(ws) == key  # nothing changed: the same key
    config = ws.path("newsdesk.toml")
    kept_config = config.read_text(encoding="utf-8")
    config.write_text(kept_config + "\n[validation]\nagreement_threshold = 0.5\n", encoding="utf-8")
    assert verdict.inputs_key(Workspace.open(ws.root)) != key  # another agreement threshold
    config.write_text(kept_config, encoding="utf-8")
    ws = Workspace.open(ws.root)
    assert verdict.inputs_key(ws) == key
    gold = ws.path("gold", "gold.arrow")
    kept = gold.read_bytes()
    gold.write_bytes(kept[:-1] + bytes([kept[-1] ^ 1]))  # one bit of gold
    assert verdict.inputs_key(ws) != key
    gold.write_bytes(kept)
    assert verdict.inputs_key(ws) == key
    (ws.path("annotations", "records") / "later.jsonl").write_text("")  # a file more, even empty
    assert verdict.inputs_key(ws) != key
    (ws.path("annotations", "records") / "later.jsonl").unlink()
    labels = LabelSchema.write_default(ws)  # the label set written out
    assert verdict.inputs_key(ws) != key
    written = verdict.inputs_key(ws)
    labels.write_text(labels.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert verdict.inputs_key(ws) != written
    changed = verdict.inputs_key(ws)
    ws.path("store", "articles", "unrelated.txt").write_text("raw articles are not what validation reads")
    assert verdict.inputs_key(ws) == changed
    monkeypatch.setattr(verdict, "code_key", lambda: "another version of the code")
    assert verdict.inputs_key(ws) != changed


def test_a_verdict_of_other_inputs_or_unreadable_is_ignored(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    path = ws.path(*verdict.VERDICT_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"inputs": "0" * 64, "errors": 0, "agreement": {}}))
    assert validated(build_release(ws, "0.1.0"))
    key = json.loads(path.read_text())["inputs"]
    assert key == verdict.inputs_key(ws)  # replaced by the build's own
    path.write_text("{not json")
    assert validated(build_release(ws, "0.2.0"))
    path.write_text(json.dumps({"inputs": key, "errors": 3, "agreement": {}}))
    assert verdict.known_clean(ws, key) is None


def test_processes_that_judge_the_verdict_differently_refuse_the_build(tmp_path, monkeypatch):
    # Each process hashes what it read; here the key names the process that made it, so only this
    # one finds the verdict: the two would split the configs differently, and the build refuses.
    monkeypatch.setenv("NEWSDESK_ONE_PROCESS", "0")
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.setattr(verdict, "inputs_key", lambda workspace: str(os.getpid()))
    verdict.record_clean(ws, str(os.getpid()), {})
    with pytest.raises(NewsdeskError) as exc:
        build_release(ws, "0.1.0")
    assert exc.value.code == "E306"
    assert not list(ws.path("releases").iterdir())
