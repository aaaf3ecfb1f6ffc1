"""A maintainer releases the sample corpus; a consumer loads it with plain `datasets`, no code of ours."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import pytest
from corpus_helpers import REPO, SAMPLES
from typer.testing import CliRunner

from annotation.columns import RecordColumns
from annotation.importers import import_annotations
from annotation.schema import ATTRIBUTION, ENTITY_LAYER, LabelSchema
from annotation.store import AnnotationStore
from corpus.errors import Errors, NewsdeskError
from corpus.ingest import ingest
from corpus.runtime import Beside
from corpus.store import CorpusStore
from corpus.workspace import Workspace
from newsdesk.cli import app
from newsdesk.demo import with_release_settings
from releases import build as release_build
from releases.build import build_release
from releases.versions import diff_releases, list_versions, release_path, verify_release
from validation.adjudicate import adjudicate_workspace
from validation.gold import save_gold
from validation.tables import claims_frame
from validation.validate import WorkspaceData, validate

SEED_ANNOTATIONS = REPO / "samples" / "annotations" / "seed.labelstudio.json"
SEED_ID = "5fad4439250b7d19"
FAKE_TOKEN = "hf_dont_leak_this_token_0123456789"


def make_workspace(root: Path) -> Workspace:
    """The sample corpus, the seed's two annotators, a reviewer's ground truth, adjudicated gold,
    and the release settings the demo gives it."""
    ws = with_release_settings(Workspace.init(root))
    assert ingest(ws, [SAMPLES]).ok
    import_annotations(ws, SEED_ANNOTATIONS, "labelstudio")
    store = AnnotationStore(ws)
    ana = next(r for r in store.records() if r.annotator == "ana@newsdesk.example")
    # What a reviewer marking ana's version as ground truth in Label Studio leaves in the store.
    store.append([replace(ana, ground_truth=True, updated_at="2030-01-01T00:00:00Z")], "review")
    save_gold(ws, adjudicate_workspace(ws, "ground-truth"))
    return ws


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    ws = make_workspace(tmp_path_factory.mktemp("release") / "ws")
    os.environ["HF_TOKEN"] = FAKE_TOKEN
    try:
        report = build_release(ws, "0.1.0")
    finally:
        del os.environ["HF_TOKEN"]
    return ws, report


def test_the_release_is_laid_out_as_a_hub_dataset_repository(released):
    ws, report = released
    folder = report.path
    assert folder == ws.path("releases", "0.1.0")
    for name in ("README.md", "DATASHEET.md", "croissant.json", "manifest.json", "SHA256SUMS", "CHANGELOG.md"):
        assert (folder / name).is_file(), name
    parquet = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.parquet"))
    assert "data/entities/train-00000-of-00001.parquet" in parquet
    assert {p.split("/")[1] for p in parquet} == {"documents", "entities", "ner", "claims", "annotations"}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["version"] == "0.1.0" and manifest["previous"] is None
    assert manifest["toolkit"]["name"] == "newsdesk" and len(manifest["schema_hash"]) == 16
    assert manifest["counts"]["documents"] == 8 and manifest["counts"]["gold_documents"] == 1
    assert manifest["counts"]["claims"] == 18
    card = (folder / "README.md").read_text()
    for key in (
        "license:",
        "language:",
        "pretty_name:",
        "task_categories:",
        "task_ids:",
        "annotations_creators:",
        "language_creators:",
        "source_datasets:",
        "size_categories:",
        "configs:",
        "dataset_info:",
        "default: true",
    ):
        assert key in card, key
    assert "revision=" in card and "stale" in card  # the note for consumers
    assert verify_release(folder).ok


CONSUMER = textwrap.dedent("""
    import json, sys
    # Our packages are installed in this environment; make any import of them fail, so the
    # load below proves that consumers need nothing of ours.
    for ours in ("corpus", "annotation", "validation", "releases", "newsdesk"):
        sys.modules[ours] = None
    from datasets import load_dataset
    folder = sys.argv[1]
    out = {}
    for config in ["entities", "documents", "ner", "claims", "annotations"]:
        ds = load_dataset(folder, config)
        out[config] = {"splits": {k: v.num_rows for k, v in ds.items()},
                       "features": {k: repr(v) for k, v in ds["train"].features.items()},
                       "first": ds["train"][0]}
    out["default"] = list(load_dataset(folder)["train"].features)
    print(json.dumps(out, default=str))
""")


def test_a_consumer_loads_every_config_with_plain_datasets(released, tmp_path):
    ws, report = released
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "HF_HOME": str(tmp_path / "hf"),
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_OFFLINE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-I", "-c", CONSUMER, str(report.path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["default"] == ["id", "text", "spans"]
    assert sum(got["documents"]["splits"].values()) == 8
    assert got["entities"]["splits"] == {"train": 1} and got["claims"]["splits"] == {"train": 18}
    assert "ClassLabel(names=['PERSON', 'NORP'" in got["entities"]["features"]["spans"]
    assert "ClassLabel(names=['O', 'B-PERSON', 'I-PERSON'" in got["ner"]["features"]["ner_tags"]
    assert "ClassLabel(names=['statement of fact'" in got["claims"]["features"]["claim_type"]
    seed = CorpusStore(ws).document(SEED_ID)
    entities = got["entities"]["first"]
    assert entities["id"] == SEED_ID and entities["text"] == seed.text
    for span in entities["spans"]:
        assert seed.text[span["start"] : span["end"]] == span["text"]
    claim = got["claims"]["first"]
    assert seed.text[claim["claim"]["start"] : claim["claim"]["end"]] == claim["claim"]["text"]
    assert got["annotations"]["first"]["annotator"].startswith("annotator-")


def test_no_email_name_or_token_reaches_the_release(released):
    ws, report = released
    blob = b"".join(p.read_bytes() for p in report.path.rglob("*") if p.is_file())
    for secret in (
        b"ana@newsdesk.example",
        b"ben@newsdesk.example",
        b"@newsdesk",
        FAKE_TOKEN.encode(),
        ws.path("secrets", "pseudonym.key").read_bytes().strip(),
    ):
        assert secret not in blob
    # Provenance keeps who agreed, under pseudonyms.
    assert b"annotator-" in blob


def test_near_duplicates_share_a_split_and_splits_are_stable(released):
    ws, report = released
    splits = json.loads((report.path / "splits.json").read_text())
    docs = list(CorpusStore(ws).iter_documents())
    clusters = {}
    for d in docs:
        if d.cluster:
            clusters.setdefault(d.cluster, set()).add(splits[d.id])
    assert clusters and all(len(s) == 1 for s in clusters.values())


def test_croissant_validates_offline_with_mlcroissant(released):
    ws, report = released
    done = subprocess.run(
        [str(Path(sys.executable).parent / "mlcroissant"), "validate", "--jsonld", str(report.path / "croissant.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    meta = json.loads((report.path / "croissant.json").read_text())
    for field in (
        "rai:dataCollection",
        "rai:dataAnnotationProtocol",
        "rai:dataLimitations",
        "rai:personalSensitiveInformation",
    ):
        assert meta[field]
    assert {rs["name"] for rs in meta["recordSet"]} == {"documents", "entities", "ner", "claims", "annotations"}


def test_a_rebuild_of_an_existing_version_is_refused(released):
    ws, report = released
    with pytest.raises(NewsdeskError) as exc:
        build_release(ws, "0.1.0")
    assert exc.value.code == "E302"
    with pytest.raises(NewsdeskError) as bad:
        build_release(ws, "v1")
    assert bad.value.code == "E301"


def test_an_interrupted_build_leaves_no_version_behind(tmp_path, monkeypatch):
    ws = make_workspace(tmp_path / "ws")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("power cut while writing the card")

    monkeypatch.setattr(release_build, "_write_documents", crash)
    with pytest.raises(KeyboardInterrupt):
        build_release(ws, "0.1.0")
    assert list_versions(ws) == []
    assert not [p for p in ws.path("releases").iterdir()]  # no half-written folder either


@pytest.mark.parametrize("one_process", ["0", "1"])
def test_validation_errors_block_the_release(tmp_path, monkeypatch, one_process):
    monkeypatch.setenv("NEWSDESK_ONE_PROCESS", one_process)  # validation forked beside the build, or not
    ws = make_workspace(tmp_path / "ws")
    store = AnnotationStore(ws)
    ben = next(r for r in store.records() if r.annotator == "ben@newsdesk.example")
    broken = replace(
        ben,
        spans=[ben.spans[0]._replace(start=ben.spans[0].start + 1)],
        links=[],
        choices=[],
        updated_at="2031-01-01T00:00:00Z",
    )
    store.append([broken], "broken")
    with pytest.raises(NewsdeskError) as exc:
        build_release(ws, "0.1.0")
    assert exc.value.code == "E304" and "V202" in exc.value.one_line()
    assert list_versions(ws) == []


def test_a_build_whose_two_reads_differ_is_refused(tmp_path, monkeypatch):
    # Validation's process reads the workspace for itself: a build proves both processes read the
    # same versions. Here the fingerprint of a read names the process that made it, so they differ.
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.setattr(WorkspaceData, "fingerprint", lambda self: str(os.getpid()))
    with pytest.raises(NewsdeskError) as exc:
        build_release(ws, "0.1.0")
    assert exc.value.code == "E306"
    assert list_versions(ws) == [] and not list(ws.path("releases").iterdir())
    monkeypatch.setenv("NEWSDESK_ONE_PROCESS", "1")  # one process reads once, for both
    assert build_release(ws, "0.1.0").version == "0.1.0"


def test_the_fingerprint_of_a_read_changes_with_the_corpus_or_the_gold(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    data = WorkspaceData.read(ws)
    assert WorkspaceData.read(ws, people=False).fingerprint() == data.fingerprint()  # people's records aside
    (gold, *others), doc = data.gold_columns.records(), data.docs[0]
    changed = [
        replace(data, gold_columns=RecordColumns.of([replace(gold, spans=gold.spans[1:]), *others])),
        replace(data, gold_columns=RecordColumns.of([replace(gold, updated_at="2031-01-01T00:00:00Z"), *others])),
        replace(data, docs=[replace(doc, text_sha256="0" * 64), *data.docs[1:]]),
        replace(data, docs=data.docs[1:]),
    ]
    assert len({data.fingerprint(), *(c.fingerprint() for c in changed)}) == 1 + len(changed)


def _half(value: int) -> int:
    if value < 0:
        raise NewsdeskError(Errors.E304, where="ws", detail=f"{value} is negative")
    return os.getpid() if value == 0 else value // 2


def test_validation_beside_the_build_answers_like_a_call_here():
    # The build validates in a forked copy of itself: what it returns or raises comes back as if called here.
    assert Beside(_half, 10).result() == 5
    assert Beside(_half, 0).result() != os.getpid()  # it really ran in another process
    with pytest.raises(NewsdeskError) as exc:
        Beside(_half, -1).result()
    assert exc.value.code == "E304" and "-1 is negative" in exc.value.one_line()
    slow = Beside(__import__("time").sleep, 60)
    assert slow.forked
    slow.stop()  # a build that gives up does not leave it running
    slow.stop()


def test_one_process_when_asked(monkeypatch):
    monkeypatch.setenv("NEWSDESK_ONE_PROCESS", "1")  # short of memory or of a second core
    here = Beside(_half, 0)
    assert not here.forked and here.result() == os.getpid()
    with pytest.raises(NewsdeskError):
        Beside(_half, -1).result()


def test_versions_diff_bump_changelog_and_datasheet(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    first = build_release(ws, "0.1.0")
    sheet = ws.path("DATASHEET.md")
    sheet.write_text(
        sheet.read_text().replace(
            "*Why was the dataset created, and by whom? (write here)*",
            "Made by the newsdesk team to test the release path.",
        )
    )
    # A new article arrives: additions make a minor change.
    extra = tmp_path / "extra.jsonl"
    extra.write_text(
        json.dumps({"url": "https://x.example/new", "text": "New headline\n\nA new story about ports."}) + "\n"
    )
    ingest(ws, [extra])
    understated = build_release(ws, "0.1.1")
    assert understated.level == "minor" and any("understates" in w for w in understated.warnings)
    extra.write_text(json.dumps({"url": "https://x.example/newer", "text": "Newer headline\n\nAnother story."}) + "\n")
    ingest(ws, [extra])
    proposed = build_release(ws, bump=True)
    assert proposed.version == "0.2.0" and not proposed.warnings
    diff = diff_releases(release_path(ws, "0.1.0"), release_path(ws, "0.2.0"))
    assert len(diff.documents_added) == 2 and diff.level == "minor"
    changelog = (proposed.path / "CHANGELOG.md").read_text()
    assert changelog.index("## 0.2.0") < changelog.index("## 0.1.1") < changelog.index("## 0.1.0")
    datasheet = (proposed.path / "DATASHEET.md").read_text()
    assert "Made by the newsdesk team to test the release path." in datasheet  # people's words kept
    assert "10 documents" in datasheet and "8 documents" in (first.path / "DATASHEET.md").read_text()
    old_splits = json.loads((first.path / "splits.json").read_text())
    new_splits = json.loads((proposed.path / "splits.json").read_text())
    assert all(new_splits[d] == s for d, s in old_splits.items())  # nobody moved
    # Changing the label schema is a major change.
    labels = LabelSchema.write_default(ws)
    labels.write_text(labels.read_text().replace('"CARDINAL"]', '"CARDINAL", "MISC"]', 1))
    assert build_release(ws, bump=True).version == "1.0.0"


def test_verify_names_a_changed_file_and_the_cli_lists_versions(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    build_release(ws, "0.1.0")
    runner = CliRunner()
    listed = json.loads(runner.invoke(app, ["release", "list", "-w", str(ws.root), "--json"]).stdout)
    assert [r["version"] for r in listed] == ["0.1.0"]
    assert runner.invoke(app, ["release", "verify", "0.1.0", "-w", str(ws.root)]).exit_code == 0
    card = ws.path("releases", "0.1.0", "README.md")
    card.write_text(card.read_text() + "\nsneaky edit\n")
    result = runner.invoke(app, ["release", "verify", "0.1.0", "-w", str(ws.root)])
    assert result.exit_code == 1 and "README.md" in result.stderr and "changed" in result.stderr
    built = runner.invoke(app, ["release", "build", "--bump", "-w", str(ws.root), "--json"])
    assert built.exit_code == 0, built.output
    assert json.loads(built.stdout)["version"] == "0.1.1"
    shutil.rmtree(ws.path("releases"))


def test_the_repository_datasheet_holds_the_sample_corpus_current_facts(released):
    """The top-level DATASHEET.md is the sample corpus's datasheet; `./run demo` refreshes its facts."""
    from releases.card import copy_facts

    ws, report = released
    sheet = (REPO / "DATASHEET.md").read_text(encoding="utf-8")
    fresh = copy_facts((report.path / "DATASHEET.md").read_text(encoding="utf-8"), sheet)
    assert fresh == sheet, "DATASHEET.md facts are stale: run ./run demo and commit DATASHEET.md"
    assert "<!-- facts:composition:start -->\n8 documents" in sheet


def test_the_claims_table_is_the_table_of_the_claim_rows(released):
    """`claims_table` (column by column) gives what `arrow_table` gives for the rows of `claim_rows`,
    for the gold claims and for the same claims with no cue, no source and no answers."""
    from releases import rows
    from releases.configs import config_features
    from releases.pseudonyms import Pseudonyms
    from validation.gold import load_gold

    ws, _ = released
    schema = LabelSchema.load(ws)
    features = config_features(schema)
    ids, pseudonym = rows.LabelIds.of(features), Pseudonyms.of(ws)
    gold = load_gold(ws)
    bare = [
        replace(g, doc_id=g.doc_id[::-1], record_id=g.record_id[::-1], links=[], choices=[], provenance={})
        for g in gold
    ]
    people = [r for r in AnnotationStore(ws).records() if r.origin != "prediction"]
    assert rows.claim_count(people) > 0
    checked = validate(ws).claims_frame  # people's records and gold, as a release build's validation has it
    for records, frame in ((gold, checked), (gold + bare, claims_frame(people + bare + gold, schema))):
        table = rows.claims_table(records, schema, pseudonym, ids, features["claims"])
        assert table.num_rows == rows.claim_count(records) > 0
        assert table.equals(
            rows.arrow_table(rows.claim_rows(records, schema, pseudonym, ids), features["claims"]), check_metadata=True
        )
        # Made of a frame that holds other records' claims too, and of the records' columns: the same table.
        assert rows.claims_table(records, schema, pseudonym, ids, features["claims"], frame).equals(
            table, check_metadata=True
        )
        stored = RecordColumns(RecordColumns.of(records).table)  # no objects kept: all from the columns
        assert rows.claims_table(stored, schema, pseudonym, ids, features["claims"], frame).equals(
            table, check_metadata=True
        )


def test_the_card_counts_what_the_release_holds(released):
    """The card's tallies (made beside validation) agree with the released files: entity labels
    per split with the `entities` config, claim attribute values with `claims`, cleaning edits
    per rule with the documents' edit logs."""
    import pyarrow.parquet as pq

    from releases.build import Tallies
    from releases.configs import config_features
    from validation.gold import read_gold

    ws, report = released
    splits = json.loads((report.path / "splits.json").read_text())
    docs = sorted(CorpusStore(ws).iter_documents(), key=lambda d: d.id)
    gold = read_gold(ws)
    tallies = Tallies.of(docs, gold, splits)
    # Counted from the columns: what counting record by record gives, keys in the order first met.
    by_split, by_attribute = defaultdict(Counter), defaultdict(Counter)
    for g in gold.records():
        by_split[splits[g.doc_id]].update(s.label for s in g.spans if s.layer == ENTITY_LAYER)
        for c in g.choices:
            if c.name != ATTRIBUTION:
                by_attribute[c.name].update(c.values)
    for counted, expected in ((tallies.entity_counts, by_split), (tallies.attribute_counts, by_attribute)):
        assert [(k, list(v.items())) for k, v in counted.items()] == [(k, list(v.items())) for k, v in expected.items()]
    features = config_features(LabelSchema.load(ws))
    names = features["entities"]["spans"].feature["label"].names
    released_labels = {}
    for split in ("train", "validation", "test"):
        path = report.path / f"data/entities/{split}-00000-of-00001.parquet"
        if path.exists():
            labels = Counter(names[s["label"]] for row in pq.read_table(path).column("spans").to_pylist() for s in row)
            released_labels[split] = labels
    assert {s: dict(c) for s, c in tallies.entity_counts.items()} == {s: dict(c) for s, c in released_labels.items()}
    assert sum(map(sum, (c.values() for c in released_labels.values()))) > 0
    claims = pq.read_table(report.path / "data/claims/train-00000-of-00001.parquet")
    assert tallies.claims == claims.num_rows == 18
    speech = features["claims"]["speech"].names
    assert dict(tallies.attribute_counts["speech"]) == dict(
        Counter(speech[v] for v in claims.column("speech").to_pylist() if v >= 0)
    )
    assert tallies.edits == Counter(e.rule for d in docs for e in d.cleaning.edits) and tallies.edits


def test_validation_measures_agreement_as_over_every_record_made_an_object(tmp_path):
    """Validation leaves gold out of agreement without making its objects: the report is the one
    agreement gives for people's records and gold as objects, gold counted among the left out."""
    from validation.agreement import agreement

    ws = make_workspace(tmp_path / "ws")
    data = WorkspaceData.read(ws)
    measured = validate(ws, data=data).agreement.to_record()
    expected = agreement(
        data.human + data.gold_columns.records(), {d.id: d.text for d in data.docs}, data.schema
    ).to_record()
    assert measured["skipped"]["origin gold"] == len(data.gold_columns) > 0
    assert {**measured, "seconds": 0} == {**expected, "seconds": 0}


def test_the_parquet_writer_runs_a_little_below_the_build_and_never_above():
    """The writer thread yields part of a core to the build and to validation, not all of it."""
    import threading

    if not hasattr(os, "setpriority"):
        pytest.skip("threads have no priority of their own here")
    seen = {}
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def writer():
        thread = threading.get_native_id()
        before = os.getpriority(os.PRIO_PROCESS, thread)
        release_build._background()
        seen["step"] = os.getpriority(os.PRIO_PROCESS, thread) - before
        seen["cap"] = before + release_build.WRITER_NICENESS >= 19

    worker = threading.Thread(target=writer)
    worker.start()
    worker.join()
    assert seen["cap"] or seen["step"] == release_build.WRITER_NICENESS
    assert 0 < release_build.WRITER_NICENESS < 10
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine  # the build's own thread keeps its place
