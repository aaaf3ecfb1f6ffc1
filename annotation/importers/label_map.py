"""The label map (`--map`): foreign label, role, attribute and value names renamed onto labels.toml."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from annotation.schema import CLAIM_LABELS, LINK_LABELS, Attribute, LabelSchema
from corpus.errors import Errors, NewsdeskError

SKIP = "-"  # the target that skips a foreign name on purpose
MAP_KINDS = ("label", "role", "attr", "value")


# --- the label map ------------------------------------------------------------------------------


def parse_label_map(text: str | list[str] | None) -> dict[str, str]:
    """``"A=B,role:X=source"`` (or several such strings) -> ``{"A": "B", "role:X": "source"}``.

    Entries are separated by commas, so a name or value cannot contain one.
    """
    entries: dict[str, str] = {}
    for part in [text] if isinstance(text, str) else text or []:
        for entry in part.split(","):
            if not entry.strip():
                continue
            key, sep, target = entry.partition("=")
            key, target = key.strip(), target.strip()
            if not sep or not key or not target:
                raise NewsdeskError(Errors.E211, where=entry.strip(), detail="expected FOREIGN=OURS")
            if entries.get(key, target) != target:
                raise NewsdeskError(
                    Errors.E211,
                    where=entry.strip(),
                    detail=f"{key!r} is mapped twice ({entries[key]!r} and {target!r})",
                )
            entries[key] = target
    return entries


class LabelMap:
    """How foreign names become ours, from ``--map`` entries ``[KIND:]FOREIGN=OURS``.

    KIND says which names an entry renames:

    - ``label:`` (the default, so ``Content=CLAIM`` works): span labels (brat entity types,
      CoNLL tag types, Label Studio region labels); OURS is a label of the schema;
    - ``role:``: brat relation types and event roles, Label Studio relation labels; OURS is
      a link label (``source`` or ``cue``). A role with a number (``Source2``) is read as the
      role without it, as brat writes repeated roles;
    - ``attr:``: brat attribute names and Label Studio choice names; OURS is a claim
      attribute (or the document choice) of the schema;
    - ``value:``: attribute values, in every attribute; OURS is a value of that attribute.

    OURS ``-`` skips a label, role or attribute on purpose; the report counts what was
    skipped. Names are compared exactly (case matters); a name that is ours needs no entry.
    """

    def __init__(self, entries: dict[str, str] | None, schema: LabelSchema, skipped: Counter | None = None):
        self.schema = schema
        self.names: dict[str, dict[str, str]] = {kind: {} for kind in MAP_KINDS}
        self.skipped = Counter() if skipped is None else skipped
        self.unknown: dict[tuple[str, str], list[str]] = {}  # (kind, foreign name) -> files it is in
        for key, target in (entries or {}).items():
            prefix, sep, name = key.partition(":")
            kind, name = (prefix, name) if sep and prefix in MAP_KINDS else ("label", key)
            problem = self._bad_target(kind, target) if name else "no foreign name"
            if problem:
                raise NewsdeskError(Errors.E211, where=f"{key}={target}", detail=problem)
            self.names[kind][name] = target

    def _bad_target(self, kind: str, target: str) -> str | None:
        if target == SKIP:
            return "a value cannot be skipped; skip its attribute with attr:NAME=-" if kind == "value" else None
        if kind == "label" and self.schema.layer_of(target) is None:
            return f"{target!r} is not a label of labels.toml"
        if kind == "role" and target not in LINK_LABELS:
            return f"{target!r} is not a link label ({', '.join(LINK_LABELS)})"
        if kind == "attr" and self._attribute(target) is None:
            names = [a.name for a in self.schema.claim_attributes] + [self.schema.document_choice.name]
            return f"{target!r} is not an attribute of labels.toml ({', '.join(names)})"
        return None

    def _attribute(self, name: str) -> Attribute | None:
        if name == self.schema.document_choice.name:
            return self.schema.document_choice
        return self.schema.attribute(name)

    def label(self, name: str, where: str) -> str | None:
        """Our span label for a foreign one; None when it is skipped, or unknown (see :meth:`check`)."""
        return self._ours("label", name, where, lambda ours: self.schema.layer_of(ours) is not None)

    def role(self, name: str, where: str) -> str | None:
        """Our link label for a relation type or event role; None when skipped or unknown."""
        return self._ours("role", name, where, lambda ours: ours in LINK_LABELS)

    def _ours(self, kind: str, name: str, where: str, known: Callable[[str], bool]) -> str | None:
        ours = self.names[kind].get(name, name)
        if ours == SKIP:
            self.skipped[f"{kind} {name}"] += 1
            return None
        if not known(ours):
            files = self.unknown.setdefault((kind, name), [])
            if where not in files:
                files.append(where)
            return None
        return ours

    def choice(
        self, name: str, values: tuple[str, ...], document: bool = False
    ) -> tuple[str, tuple[str, ...]] | str | None:
        """Our attribute and values for a foreign choice; a string saying why it does not fit the
        schema (the caller keeps it as a note); None when skipped on purpose.

        A choice without values (a brat binary attribute) sets an attribute that has one value.
        """
        ours = self.names["attr"].get(name, name)
        if ours == SKIP:
            self.skipped[f"attr {name}"] += 1
            return None
        attr = self._attribute(ours)
        if attr is None or (attr is self.schema.document_choice) != document:
            kind = "document choice" if document else "claim attribute"
            return f"no {kind} {ours!r} in labels.toml (map it with --map attr:{name}=NAME)"
        mapped = tuple(self.names["value"].get(v, v) for v in values)
        if not mapped and len(attr.values) == 1:
            mapped = (attr.values[0],)
        wrong = [v for v in mapped if v not in attr.values]
        if wrong or not mapped:
            return (
                f"{ours!r} has no value {', '.join(map(repr, wrong)) or '(none given)'} "
                f"(its values: {', '.join(attr.values)}; map one with --map value:FOREIGN=OURS)"
            )
        return ours, mapped

    def check(self, root: Path | None = None) -> None:
        """Raise E210 naming every foreign name that is neither ours nor mapped, with the fix: the
        first file in full, and for each name the count of its files and at most three of them
        (relative to ``root``, the imported folder)."""
        if not self.unknown:
            return
        first = next(iter(self.unknown.values()))[0]
        names = ", ".join(
            f"{'relation/role ' if kind == 'role' else ''}{name!r}{_in_files(files, first, root)}"
            for (kind, name), files in self.unknown.items()
        )
        fixes = ",".join(f"{'' if k == 'label' else k + ':'}{n}={self._suggest(k, n)}" for k, n in self.unknown)
        raise NewsdeskError(
            Errors.E210,
            where=first,
            detail=f"neither in labels.toml nor mapped: {names}",
            hint=f"map them onto the schema with --map {fixes} (OURS is a label of labels.toml, a link label "
            f"{'/'.join(LINK_LABELS)} for role:, or - to skip), or add the labels to labels.toml",
        )

    def _suggest(self, kind: str, name: str) -> str:
        ours = self.schema.entity_labels + CLAIM_LABELS if kind == "label" else LINK_LABELS
        same = [o for o in ours if o.lower() == name.lower()]
        return same[0] if same else "OURS"


def _in_files(files: list[str], first: str, root: Path | None, shown: int = 3) -> str:
    """Where a name occurs, for a one-line message: nothing when only in ``first`` (the error's
    place), else the count and at most ``shown`` files (a corpus has hundreds)."""
    if files == [first]:
        return ""
    names = [_relative(f, root) for f in files[:shown]]
    if len(files) == 1:
        return f" in {names[0]}"
    more = ", ..." if len(files) > shown else ""
    return f" in {len(files)} files ({', '.join(names)}{more})"


def _relative(file: str, root: Path | None) -> str:
    if root is None or not root.is_dir():
        return file
    try:
        return Path(file).relative_to(root).as_posix()
    except ValueError:
        return file
