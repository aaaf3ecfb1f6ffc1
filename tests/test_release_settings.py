"""A release claims only what its maintainers chose: licence, repository, creators (`[release]` in newsdesk.toml).

Given the sample corpus adjudicated, when nobody set anything, the card says `license: unknown`, leaves the
creators out and shows a loading snippet with a placeholder marked as one; when the maintainers set them, the
card, datasheet, Croissant and manifest say exactly that; a value the Hub would refuse stops the build.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from test_release import make_workspace
from typer.testing import CliRunner

from corpus.errors import NewsdeskError
from corpus.workspace import CONFIG_NAME, Workspace, atomic_write_text
from newsdesk.cli import app
from releases.build import build_release
from releases.settings import (
    ANNOTATIONS_CREATORS,
    HUB_LICENSES,
    LANGUAGE_CREATORS,
    REPO_PLACEHOLDER,
    SETTINGS,
    ReleaseSettings,
    config_template,
    release_section,
)
from releases.versions import list_versions

runner = CliRunner()


def card_yaml(release: Path) -> dict:
    return yaml.safe_load((release / "README.md").read_text(encoding="utf-8").split("---\n")[1])


def set_release(ws: Workspace, values: dict | None) -> Workspace:
    """newsdesk.toml's [release] section replaced by ``values`` (none at all for None), as a maintainer edits it."""
    config = ws.path(CONFIG_NAME)
    text = config.read_text(encoding="utf-8")
    text = text[: text.index("\n[release]")] if "\n[release]" in text else text
    atomic_write_text(config, text + (release_section(values) if values is not None else ""))
    return Workspace.open(ws.root)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Workspace:
    return make_workspace(tmp_path_factory.mktemp("settings") / "ws")


def test_init_writes_every_release_setting_commented_and_each_uncommented_line_is_toml(tmp_path):
    done = runner.invoke(app, ["init", str(tmp_path / "ws")])
    assert done.exit_code == 0, done.output
    config = (tmp_path / "ws" / CONFIG_NAME).read_text(encoding="utf-8")
    assert config.endswith(config_template())
    assert "release" not in tomllib.loads(config)  # commented: nothing is chosen for the maintainers
    section = [line[2:] for line in config_template().splitlines() if re.match(r"# (\[release\]|\w+ = )", line)]
    parsed = tomllib.loads("\n".join(section))["release"]
    assert list(parsed) == list(SETTINGS)
    for key in ("language_creators", "annotations_creators"):
        assert all(
            v in (LANGUAGE_CREATORS if key == "language_creators" else ANNOTATIONS_CREATORS) for v in parsed[key]
        )
    assert parsed["license"] in HUB_LICENSES


def test_unset_settings_claim_nothing_and_the_build_says_which_are_unset(workspace):
    ws = set_release(workspace, None)
    report = build_release(ws, "0.1.0")

    meta = card_yaml(report.path)
    assert meta["license"] == "unknown"
    for key in ("language_creators", "annotations_creators", "source_datasets", "license_name", "license_link"):
        assert key not in meta, key
    card = (report.path / "README.md").read_text(encoding="utf-8")
    assert (
        f'entities = load_dataset("{REPO_PLACEHOLDER}", revision="0.1.0")  # the default config; '
        f"{REPO_PLACEHOLDER} is a placeholder" in card
    )
    assert f'claims = load_dataset("{REPO_PLACEHOLDER}", "claims", revision="0.1.0")' in card
    assert "No Hub repository was named for this release (`repo_id`" in card
    assert "no licence was chosen" in card and "example.invalid" not in card and "news-claims" not in card
    croissant = json.loads((report.path / "croissant.json").read_text())
    assert croissant["license"] == "unknown" and "url" not in croissant
    manifest = json.loads((report.path / "manifest.json").read_text())
    assert manifest["repo_id"] is None and manifest["license"] == "unknown"
    datasheet = (report.path / "DATASHEET.md").read_text(encoding="utf-8")
    assert "licence unknown (none chosen: `license` not set); no Hub repository named" in datasheet
    # each warning names the setting and where it is set
    assert any(
        "no licence chosen" in w and "`license`" in w and "[release] in newsdesk.toml" in w for w in report.warnings
    )
    assert any("language_creators, annotations_creators, source_datasets not set" in w for w in report.warnings)
    assert len(report.warnings) == 2


def test_chosen_settings_are_what_the_card_datasheet_croissant_and_manifest_say(workspace):
    ws = set_release(
        workspace,
        {
            "license": "cc-by-nc-4.0",
            "repo_id": "acme-news/claims",
            "pretty_name": "Acme claims",
            "language_creators": ["found"],
            "annotations_creators": ["crowdsourced"],
            "source_datasets": ["extended|acme/articles"],
        },
    )
    report = build_release(ws, "0.2.0")

    meta = card_yaml(report.path)
    assert (meta["license"], meta["pretty_name"]) == ("cc-by-nc-4.0", "Acme claims")
    assert (meta["language_creators"], meta["annotations_creators"], meta["source_datasets"]) == (
        ["found"],
        ["crowdsourced"],
        ["extended|acme/articles"],
    )
    card = (report.path / "README.md").read_text(encoding="utf-8")
    assert 'load_dataset("acme-news/claims", "claims", revision="0.2.0")\n' in card
    assert REPO_PLACEHOLDER not in card and "`cc-by-nc-4.0`, chosen by the maintainers" in card
    croissant = json.loads((report.path / "croissant.json").read_text())
    assert croissant["url"] == "https://huggingface.co/datasets/acme-news/claims"
    assert croissant["license"] == "cc-by-nc-4.0" and croissant["name"] == "acme-news_claims"
    manifest = json.loads((report.path / "manifest.json").read_text())
    assert (manifest["repo_id"], manifest["license"]) == ("acme-news/claims", "cc-by-nc-4.0")
    assert 'licence cc-by-nc-4.0; load with `load_dataset("acme-news/claims", revision="0.2.0")`' in (
        report.path / "DATASHEET.md"
    ).read_text(encoding="utf-8")
    assert report.warnings == []


def test_a_licence_of_its_own_needs_a_name_and_goes_into_the_card(workspace):
    ws = set_release(workspace, {"license": "other"})
    with pytest.raises(NewsdeskError) as refused:
        ReleaseSettings.of(ws)
    assert refused.value.code == "E307" and "license_name" in refused.value.one_line()
    ws = set_release(
        workspace, {"license": "other", "license_name": "acme-news-terms", "license_link": "https://acme.example/terms"}
    )
    settings = ReleaseSettings.of(ws)
    assert (settings.card_license, settings.license_name) == ("other", "acme-news-terms")


@pytest.mark.parametrize(
    "values, named, says",
    [
        ({"license": "cc-by-4"}, "[release] license", "did you mean cc-by-4.0"),
        ({"license": "CC-BY-4.0"}, "[release] license", "the Hub's ids are: apache-2.0, mit,"),
        ({"licence": "mit"}, "[release] licence", "did you mean license?"),
        ({"language_creators": ["scraped"]}, "[release] language_creators", "'scraped' not among found, crowdsourced"),
        ({"annotations_creators": "experts"}, "[release] annotations_creators", "not among"),
        ({"repo_id": "news-claims"}, "[release] repo_id", "write it as ORG/NAME"),
        ({"license": "mit", "license_name": "x"}, "[release] license_name", 'only goes with license = "other"'),
    ],
)
def test_a_setting_the_hub_would_refuse_stops_the_build_before_anything_is_written(workspace, values, named, says):
    ws = set_release(workspace, values)
    before = list_versions(ws)
    with pytest.raises(NewsdeskError) as refused:
        build_release(ws, "9.0.0")
    line = refused.value.one_line()
    assert refused.value.code == "E307" and f"newsdesk.toml {named}" in line and says in line, line
    assert list_versions(ws) == before and not list(ws.path("releases").glob(".building-*"))


def test_the_cli_prints_the_unset_licence_as_a_warning(workspace):
    ws = set_release(workspace, {"pretty_name": "no licence yet"})
    built = runner.invoke(app, ["release", "build", "--bump", "--workspace", str(ws.root)])
    assert built.exit_code == 0, built.output
    assert "warning: no licence chosen: the card says `license: unknown`; set `license` in [release]" in built.stderr
    refused = runner.invoke(
        app, ["release", "build", "--bump", "--workspace", str(set_release(workspace, {"license": "cc-by"}).root)]
    )
    assert refused.exit_code == 1 and "[E307]" in refused.stderr and "cc-by-4.0" in refused.stderr
