"""What a release says about itself that only its maintainers know: licence, Hub repository, who
made the text and the annotations, a name. Set in the ``[release]`` section of newsdesk.toml.

Nothing has a default that claims something. An unset licence is written as the Hub's ``unknown``
and the build warns; unset creators and source datasets are left out of the card; without a
repository id the card's loading snippet shows ``ORG/NAME``, marked as a placeholder. A value the
Hub would not accept is refused before anything is read (E307, naming the setting and what it
accepts).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from corpus.errors import Errors, NewsdeskError
from corpus.workspace import CONFIG_NAME, Workspace

# The Hub's licence ids (the card's `license:`), as its documentation lists them
# (hub-docs, docs/hub/repositories-licenses.md; huggingface.js's `License` type). `other` needs
# `license_name` (and preferably `license_link`) for a licence the list lacks.
HUB_LICENSES = (
    "apache-2.0",
    "mit",
    "openrail",
    "bigscience-openrail-m",
    "creativeml-openrail-m",
    "bigscience-bloom-rail-1.0",
    "bigcode-openrail-m",
    "afl-3.0",
    "artistic-2.0",
    "bsl-1.0",
    "bsd",
    "bsd-2-clause",
    "bsd-3-clause",
    "bsd-3-clause-clear",
    "c-uda",
    "cc",
    "cc0-1.0",
    "cc-by-2.0",
    "cc-by-2.5",
    "cc-by-3.0",
    "cc-by-4.0",
    "cc-by-sa-3.0",
    "cc-by-sa-4.0",
    "cc-by-nc-2.0",
    "cc-by-nc-3.0",
    "cc-by-nc-4.0",
    "cc-by-nd-4.0",
    "cc-by-nc-nd-3.0",
    "cc-by-nc-nd-4.0",
    "cc-by-nc-sa-2.0",
    "cc-by-nc-sa-3.0",
    "cc-by-nc-sa-4.0",
    "cdla-sharing-1.0",
    "cdla-permissive-1.0",
    "cdla-permissive-2.0",
    "wtfpl",
    "ecl-2.0",
    "epl-1.0",
    "epl-2.0",
    "etalab-2.0",
    "eupl-1.1",
    "agpl-3.0",
    "gfdl",
    "gpl",
    "gpl-2.0",
    "gpl-3.0",
    "lgpl",
    "lgpl-2.1",
    "lgpl-3.0",
    "isc",
    "lppl-1.3c",
    "ms-pl",
    "apple-ascl",
    "apple-amlr",
    "mpl-2.0",
    "odc-by",
    "odbl",
    "openrail++",
    "osl-3.0",
    "postgresql",
    "ofl-1.1",
    "ncsa",
    "unlicense",
    "zlib",
    "pddl",
    "lgpl-lr",
    "deepfloyd-if-license",
    "llama2",
    "llama3",
    "llama3.1",
    "llama3.2",
    "llama3.3",
    "llama4",
    "gemma",
    "unknown",
    "other",
)
UNKNOWN_LICENSE = "unknown"
OTHER_LICENSE = "other"
# The card's creator fields and the values the Hub's dataset card metadata takes (huggingface_hub's DatasetCardData).
LANGUAGE_CREATORS = ("found", "crowdsourced", "expert-generated", "machine-generated", "other")
ANNOTATIONS_CREATORS = ("found", "crowdsourced", "expert-generated", "machine-generated", "no-annotation", "other")
REPO_PLACEHOLDER = "ORG/NAME"
REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")

# Every key of [release], with what it says; the commented section `newsdesk init` writes is made from it.
SETTINGS = {
    "license": f"the released content's licence, a Hub licence id (cc-by-4.0, cc-by-nc-4.0, odc-by, {OTHER_LICENSE}, "
    f"...)",
    "license_name": f'with license = "{OTHER_LICENSE}": a short id for the licence (required then)',
    "license_link": f'with license = "{OTHER_LICENSE}": where its text is (a URL, or LICENSE in the repository)',
    "repo_id": "the Hub dataset repository it is published to, ORG/NAME: the card's loading snippet names it",
    "pretty_name": "the dataset's name in the card and the datasheet",
    "language_creators": f"who wrote the articles' text: any of {', '.join(LANGUAGE_CREATORS)}",
    "annotations_creators": f"who made the annotations: any of {', '.join(ANNOTATIONS_CREATORS)}",
    "source_datasets": '["original"], or ["extended|<dataset>"] for a corpus taken from another dataset',
    "folder": "where releases are built, relative to the workspace (default: releases)",
}
_EXAMPLES = {
    "license": '"cc-by-4.0"',
    "license_name": '"my-licence-1.0"',
    "license_link": '"LICENSE.md"',
    "repo_id": '"ORG/NAME"',
    "pretty_name": '"News claims 2026"',
    "language_creators": '["found"]',
    "annotations_creators": '["expert-generated"]',
    "source_datasets": '["original"]',
    "folder": '"releases"',
}


def config_template() -> str:
    """The commented ``[release]`` section `newsdesk init` appends to newsdesk.toml."""
    lines = [
        "",
        "# What each release says about itself. Nothing is claimed that is not set here: without a",
        f"# licence the card says `license: {UNKNOWN_LICENSE}` (and the build warns), creators and source",
        "# datasets left unset are left out of the card, and without repo_id the card's loading snippet",
        f"# shows the placeholder {REPO_PLACEHOLDER}. Uncomment [release] and the keys you set.",
        "# [release]",
    ]
    for key, what in SETTINGS.items():
        lines += [f"#   {what[0].upper()}{what[1:]}.", f"# {key} = {_EXAMPLES[key]}"]
    return "\n".join(lines) + "\n"


def release_section(values: dict) -> str:
    """A ``[release]`` TOML section holding ``values`` (strings and lists of strings), as a maintainer writes it."""

    def toml(value) -> str:
        if isinstance(value, str):
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return "[" + ", ".join(toml(v) for v in value) + "]"

    return "\n[release]\n" + "".join(f"{key} = {toml(value)}\n" for key, value in values.items())


@dataclass(frozen=True)
class ReleaseSettings:
    """The ``[release]`` settings of a workspace, checked; None or empty where nobody set them."""

    license: str | None
    license_name: str | None
    license_link: str | None
    repo_id: str | None
    pretty_name: str
    language_creators: tuple[str, ...]
    annotations_creators: tuple[str, ...]
    source_datasets: tuple[str, ...]

    @property
    def card_license(self) -> str:
        """What the card's `license:` says: the chosen id, or the Hub's `unknown`."""
        return self.license or UNKNOWN_LICENSE

    @property
    def load_repo(self) -> str:
        """The repository a loading snippet names: the configured one, or the placeholder."""
        return self.repo_id or REPO_PLACEHOLDER

    def warnings(self) -> list[str]:
        """What the build says about settings left unset (each line names the setting)."""
        where = f"[release] in {CONFIG_NAME}"
        found = []
        if self.license is None:
            found.append(
                f"no licence chosen: the card says `license: {UNKNOWN_LICENSE}`; set `license` in {where} "
                f"to a Hub licence id (e.g. cc-by-4.0, cc-by-nc-4.0, odc-by, {OTHER_LICENSE})"
            )
        unset = [k for k in ("language_creators", "annotations_creators", "source_datasets") if not getattr(self, k)]
        if unset:
            found.append(f"{', '.join(unset)} not set in {where}: left out of the card")
        return found  # an unset repo_id is no warning: an unpublished release, its card says so

    @classmethod
    def of(cls, workspace: Workspace) -> ReleaseSettings:
        """The workspace's settings; E307 for an unknown key or a value the Hub would not take."""
        section = workspace.config.get("release", {})
        if not isinstance(section, dict):
            raise _invalid("release", "must be a table: [release]")
        for key in section:
            if key not in SETTINGS:
                close = difflib.get_close_matches(key, SETTINGS, n=1)
                raise _invalid(
                    key,
                    "is not a release setting"
                    + (f" (did you mean {close[0]}?)" if close else "")
                    + f"; the settings are {', '.join(SETTINGS)}",
                )
        license = _text(section, "license")
        if license is not None and license not in HUB_LICENSES:
            close = difflib.get_close_matches(license, HUB_LICENSES, n=3)
            raise _invalid(
                "license",
                f"{license!r} is not a Hub licence id"
                + (f" (did you mean {' or '.join(close)}?)" if close else "")
                + f"; the Hub's ids are: {', '.join(HUB_LICENSES)}",
            )
        license_name, license_link = _text(section, "license_name"), _text(section, "license_link")
        if license == OTHER_LICENSE and not license_name:
            raise _invalid(
                "license_name",
                f'license = "{OTHER_LICENSE}" needs the licence\'s name in license_name (and its text at license_link)',
            )
        if license != OTHER_LICENSE and (license_name or license_link):
            raise _invalid(
                "license_name" if license_name else "license_link", f'only goes with license = "{OTHER_LICENSE}"'
            )
        repo_id = _text(section, "repo_id")
        if repo_id is not None and (not REPO_ID.match(repo_id) or "--" in repo_id or ".." in repo_id):
            raise _invalid("repo_id", f"{repo_id!r} is not a Hub repository id: write it as ORG/NAME")
        pretty_name = _text(section, "pretty_name") or (
            repo_id.split("/")[1] if repo_id else workspace.root.resolve().name
        )
        return cls(
            license,
            license_name,
            license_link,
            repo_id,
            pretty_name,
            _choices(section, "language_creators", LANGUAGE_CREATORS),
            _choices(section, "annotations_creators", ANNOTATIONS_CREATORS),
            _choices(section, "source_datasets", None),
        )


def _invalid(key: str, detail: str) -> NewsdeskError:
    return NewsdeskError(Errors.E307, where=f"{CONFIG_NAME} [release] {key}", detail=detail)


def _text(section: dict, key: str) -> str | None:
    value = section.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _invalid(key, f"must be a non-empty string, not {value!r}")
    return value.strip()


def _choices(section: dict, key: str, allowed: tuple[str, ...] | None) -> tuple[str, ...]:
    value = section.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _invalid(key, f"must be a list of strings, not {value!r}")
    if allowed is not None:
        wrong = [v for v in value if v not in allowed]
        if wrong:
            raise _invalid(key, f"{', '.join(map(repr, wrong))} not among {', '.join(allowed)}")
    return tuple(dict.fromkeys(v.strip() for v in value))
