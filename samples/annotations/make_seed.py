"""How seed.labelstudio.json was made: two demo annotators' work on the seed article, by hand.

The annotations below were decided by reading the clean text against annotation/guidelines.md;
this script only places them. No offset is counted by hand: an entity is given by its words
(every whole-word occurrence not inside a longer entity gets the label), a claim by its exact
text (which must occur once), and cues and sources by their words, taking the occurrence nearest
the claim. The output is a Label Studio 1.23 JSON export (one task, two annotations; compare
shared/reference/labelstudio-1.23.2-export-task.json) with `completed_by` as the snapshot export
writes it when users are not reduced to ids, so the demo knows which account made which.

The two annotators agree on most things and differ where annotators really do: "The United
States" vs "United States", "US" as GPE vs NORP, "Friday, January 28" as one date or two, a
missed "the coming days", a claim with or without its "that", and direct vs indirect speech for
a partly quoted claim. Regenerate from the repository root:

    .venv/bin/python samples/annotations/make_seed.py
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from pathlib import Path

from corpus.cleaning import CleaningPipeline
from corpus.model import Article, document_id, sha256_hex

HERE = Path(__file__).resolve().parent
SEED = HERE.parent / "corpus" / "000_7f6624b96359c901.txt"
OUT = HERE / "seed.labelstudio.json"

ANA = {"id": 2, "email": "ana@newsdesk.example", "first_name": "Ana", "last_name": "Demo"}
BEN = {"id": 3, "email": "ben@newsdesk.example", "first_name": "Ben", "last_name": "Demo"}

# (words, label), placed longest first; every whole-word occurrence not inside a longer entity.
ENTITIES = [
    ("Washington", "GPE"),
    ("Eastern Europe", "LOC"),
    ("Europe", "LOC"),
    ("Joe Biden", "PERSON"),
    ("Ukraine", "GPE"),
    ("NATO", "ORG"),
    ("Moscow", "GPE"),
    ("Friday, January 28", "DATE"),
    ("Friday evening", "TIME"),
    ("Friday", "DATE"),
    ("American", "NORP"),
    ("Americans", "NORP"),
    ("United States", "GPE"),
    ("8,500", "CARDINAL"),
    ("Russian", "NORP"),
    ("Russians", "NORP"),
    ("Russia", "GPE"),
    ("Vladimir Putin", "PERSON"),
    ("February", "DATE"),
    ("US", "GPE"),
    ("Lloyd Austin", "PERSON"),
    ("more than 100,000", "CARDINAL"),
    ("London", "GPE"),
    ("Boris Johnson", "PERSON"),
    ("Downing Street", "ORG"),
    ("British", "NORP"),
    ("the coming days", "DATE"),
    ("2021", "DATE"),
    ("last year", "DATE"),
    ("Volodymyr Zelensky", "PERSON"),
    ("Kiev", "GPE"),
    ("20 years", "DATE"),
    ("Western", "NORP"),
    ("Atlantic Alliance", "ORG"),
    ("1997", "DATE"),
    ("Wednesday", "DATE"),
    ("Europeans", "NORP"),
    ("Nord Stream 2", "FAC"),
    ("Germany", "GPE"),
    ("European Union", "ORG"),
    ("UN Security Council", "ORG"),
    ("Thursday", "DATE"),
    ("Monday", "DATE"),
]

# Each claim: its exact text, its cue (nearest occurrence), its sources (entity words or a SOURCE
# noun phrase, nearest occurrence to the cue) and its attributes.
CLAIMS = [
    dict(
        claim="that there was no question of sending soldiers to Ukraine",
        cue="repeated",
        sources=["Joe Biden"],
        speech="indirect",
        claim_type="denial",
        check="check-worthy",
    ),
    dict(
        claim="the upcoming dispatch of a limited number of soldiers to Eastern Europe",
        cue="announcing",
        sources=["Joe Biden"],
        speech="indirect",
        claim_type="prediction",
        check="check-worthy",
    ),
    dict(
        claim="I will send American troops to Eastern Europe and NATO countries soon, not a lot",
        cue="announced",
        sources=[("SOURCE", "the American president")],
        speech="direct",
        claim_type="prediction",
        check="check-worthy",
    ),
    dict(
        claim="that there was no question of sending American troops to Ukraine",
        cue="said and repeated",
        sources=["Joe Biden"],
        speech="indirect",
        claim_type="denial",
        check="check-worthy",
    ),
    dict(
        claim="could attack Ukraine in February",
        cue="believe",
        sources=["Americans"],
        speech="indirect",
        claim_type="prediction",
        check="check-worthy",
    ),
    dict(
        claim="that with more than 100,000 Russian troops deployed on Ukraine’s borders, Russia had amassed "
        "sufficient forces for an invasion",
        cue="estimated",
        sources=["Lloyd Austin"],
        speech="indirect",
        claim_type="statement of fact",
        check="check-worthy",
    ),
    dict(
        claim="that a conflict between Ukraine and Russia was not “not inevitable”",
        cue="stressed",
        sources=["Lloyd Austin"],
        speech="indirect",
        claim_type="quotation or opinion",
        check="not check-worthy",
    ),
    dict(
        claim="There is still time and scope for diplomacy",
        cue="added",
        sources=["Lloyd Austin"],
        speech="direct",
        claim_type="quotation or opinion",
        check="not check-worthy",
    ),
    # A nested attribution (PARC-style): Johnson's words, reported by a spokeswoman.
    dict(
        claim="determined to accelerate diplomatic efforts and strengthen deterrence to avoid bloodshed in Europe",
        cue="said",
        sources=["Boris Johnson"],
        speech="direct",
        claim_type="quotation or opinion",
        check="not check-worthy",
    ),
    dict(
        claim="Boris Johnson said to himself “determined to accelerate diplomatic efforts and strengthen deterrence "
        "to avoid bloodshed in Europe”",
        cue="according to",
        sources=[("SOURCE", "a Downing Street spokeswoman")],
        speech="indirect",
        claim_type="statement of fact",
        check="not check-worthy",
    ),
    dict(
        claim="The probability of the attack exists, it has not disappeared and it has not been less serious in 2021",
        cue="declared",
        sources=["Volodymyr Zelensky"],
        speech="direct",
        claim_type="statement of fact",
        check="check-worthy",
    ),
    dict(
        claim="we do not see any escalation higher than that which existed",
        cue="declared",
        sources=["Volodymyr Zelensky"],
        speech="direct",
        claim_type="statement of fact",
        check="check-worthy",
    ),
    dict(
        claim="We don’t need this panic",
        cue="stressed",
        sources=["Volodymyr Zelensky"],
        speech="direct",
        claim_type="quotation or opinion",
        check="not check-worthy",
    ),
    dict(
        claim="The biggest risk for Ukraine” currently it is “the destabilization of the situation inside the country",
        cue="estimated",
        sources=["Volodymyr Zelensky"],
        speech="direct",
        claim_type="quotation or opinion",
        check="not check-worthy",
    ),
    dict(
        claim="any plan of invasion",
        cue="denies",
        sources=["Russia"],
        speech="indirect",
        claim_type="denial",
        check="check-worthy",
    ),
    dict(
        claim="fierce and unprecedented sanctions in the event of an attack on Ukraine",
        cue="promised",
        sources=["Europeans", "Americans"],
        speech="indirect",
        claim_type="prediction",
        check="check-worthy",
    ),
    dict(
        claim="that they were working to provide “additional volumes of natural gas” destined for Europe, in order "
        "to deal with a possible backlash from a “new Russian invasion of Ukraine”",
        cue="said",
        sources=["Washington", "European Union"],
        speech="indirect",
        claim_type="statement of fact",
        check="check-worthy",
    ),
    # No reporting verb: the United States' words, partly quoted; an accusation.
    dict(
        claim="clear threat” what does Russia weigh in their eyes oninternational peace and security",
        cue=None,
        sources=["United States"],
        speech="direct",
        claim_type="quotation or opinion",
        check="check-worthy",
    ),
]

TEXT_QUALITY = ["translation glitches"]  # "corn" for "but", "oninternational", a garbled last sentence


def seed_document():
    raw = SEED.read_bytes()
    text = raw.decode("utf-8")
    article = Article(document_id(None, raw), str(SEED.name), text, sha256_hex(raw), "utf-8", "txt")
    return CleaningPipeline(language="en").clean(article)


def occurrences(text: str, words: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(rf"(?<!\w){re.escape(words)}(?!\w)", text)]


def nearest(text: str, words: str, pos: int) -> tuple[int, int]:
    spans = occurrences(text, words)
    if not spans:
        raise ValueError(f"{words!r} is not in the text")
    return min(spans, key=lambda s: min(abs(s[0] - pos), abs(s[1] - pos)))


def region_id(annotator: dict, *key) -> str:
    """A 10-character id like Label Studio's, stable across regenerations."""
    digest = hashlib.sha256(repr((annotator["email"],) + key).encode()).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    return "".join(alphabet[b % 64] for b in digest[:10])


class Annotation:
    def __init__(self, text: str, annotator: dict):
        self.text, self.annotator, self.result = text, annotator, []
        self.entity_at: dict[tuple[int, int], str] = {}

    def region(self, layer: str, label: str, start: int, end: int) -> str:
        assert self.text[start:end] == self.text[start:end].strip() and end > start
        rid = region_id(self.annotator, layer, label, start, end)
        if any(r.get("id") == rid and r["type"] == "labels" for r in self.result):
            return rid
        self.result.append(
            {
                "id": rid,
                "from_name": layer,
                "to_name": "text",
                "type": "labels",
                "origin": "manual",
                "value": {"start": start, "end": end, "text": self.text[start:end], "labels": [label]},
            }
        )
        if layer == "entities":
            self.entity_at[(start, end)] = rid
        return rid

    def choice(self, rid: str, name: str, value: str) -> None:
        v = next(r["value"] for r in self.result if r.get("id") == rid and r["type"] == "labels")
        self.result.append(
            {
                "id": rid,
                "from_name": name,
                "to_name": "text",
                "type": "choices",
                "origin": "manual",
                "value": {"start": v["start"], "end": v["end"], "text": v["text"], "choices": [value]},
            }
        )

    def relation(self, from_id: str, to_id: str, label: str) -> None:
        self.result.append(
            {"from_id": from_id, "to_id": to_id, "type": "relation", "direction": "right", "labels": [label]}
        )

    def entities(self, entities: list[tuple[str, str]]) -> None:
        taken: list[tuple[int, int]] = []
        for words, _label in sorted(entities, key=lambda e: -len(e[0])):
            for s, e in occurrences(self.text, words):
                if not any(s < te and ts < e for ts, te in taken):
                    taken.append((s, e))
        labels = dict((w, lab) for w, lab in entities)
        for s, e in sorted(taken):
            self.region("entities", labels[self.text[s:e]], s, e)

    def claims(self, claims: list[dict]) -> None:
        for c in claims:
            assert self.text.count(c["claim"]) == 1, c["claim"]
            s = self.text.index(c["claim"])
            e = s + len(c["claim"])
            cid = self.region("claims", "CLAIM", s, e)
            anchor = s
            if c["cue"]:
                cs, ce = nearest(self.text, c["cue"], s)
                self.relation(cid, self.region("claims", "CUE", cs, ce), "cue")
                anchor = cs
            for source in c["sources"]:
                if isinstance(source, tuple):
                    ss, se = nearest(self.text, source[1], anchor)
                    target = self.region("claims", "SOURCE", ss, se)
                else:
                    ss, se = nearest(self.text, source, anchor)
                    target = self.entity_at[(ss, se)]  # a source must be an annotated entity
                self.relation(cid, target, "source")
            self.choice(cid, "check_worthiness", c["check"])
            self.choice(cid, "claim_type", c["claim_type"])
            self.choice(cid, "speech", c["speech"])

    def document_choice(self, values: list[str]) -> None:
        self.result.append(
            {
                "id": region_id(self.annotator, "text_quality"),
                "from_name": "text_quality",
                "to_name": "text",
                "type": "choices",
                "origin": "manual",
                "value": {"choices": values},
            }
        )


def ben_entities(text: str) -> list[tuple[str, str]]:
    """Ben's entity list: Ana's, with his four differences."""
    ents = [(w, lab) for w, lab in ENTITIES if w not in ("the coming days", "Friday, January 28")]  # one missed
    ents = [(w, "NORP" if w == "US" else lab) for w, lab in ents]  # "US Secretary of Defense": adjective to him
    return ents + [("January 28", "DATE")]  # "Friday" is placed on its own by the general rule


def annotation_json(ann_id: int, annotation: Annotation, created: str, lead_time: float) -> dict:
    return {
        "id": ann_id,
        "completed_by": annotation.annotator,
        "result": annotation.result,
        "was_cancelled": False,
        "ground_truth": False,
        "created_at": created,
        "updated_at": created,
        "draft_created_at": None,
        "lead_time": lead_time,
        "prediction": {},
        "result_count": sum(1 for r in annotation.result if r["type"] != "relation"),
        "unique_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"newsdesk-seed-{ann_id}")),
        "import_id": None,
        "last_action": None,
        "bulk_created": False,
        "task": 1,
        "project": 1,
        "updated_by": annotation.annotator["id"],
        "parent_prediction": None,
        "parent_annotation": None,
        "last_created_by": None,
    }


def build() -> list[dict]:
    doc = seed_document()
    text = doc.text

    ana = Annotation(text, ANA)
    ana.entities(ENTITIES)
    ana.claims(CLAIMS)
    ana.document_choice(TEXT_QUALITY)

    ben = Annotation(text, BEN)
    ben.entities(ben_entities(text))
    s = next(s for s, e in occurrences(text, "United States"))  # his first one starts at "The"
    assert text[s - 4 : s] == "The "
    ben.result = [r for r in ben.result if not (r["type"] == "labels" and r["value"]["start"] == s)]
    del ben.entity_at[(s, s + len("United States"))]
    ben.region("entities", "GPE", s - 4, s + len("United States"))
    ben.result.sort(key=lambda r: r["value"]["start"])
    claims = [dict(c) for c in CLAIMS]
    claims[0]["claim"] = claims[0]["claim"].removeprefix("that ")  # the complementiser left out
    claims[6]["speech"] = "direct"  # "not “not inevitable”": the quoted words made it direct to him
    ben.claims(claims)
    ben.document_choice(TEXT_QUALITY)

    task = {
        "id": 1,
        "annotations": [
            annotation_json(1, ana, "2026-01-12T09:41:07.512339Z", 1412.6),
            annotation_json(2, ben, "2026-01-12T10:18:52.087164Z", 1689.3),
        ],
        "drafts": [],
        "predictions": [],
        "data": {"text": text, "doc_id": doc.id, "text_sha256": doc.text_sha256, "title": doc.title},
        "meta": {},
        "created_at": "2026-01-12T09:02:30.114205Z",
        "updated_at": "2026-01-12T10:18:52.131877Z",
        "allow_skip": True,
        "inner_id": 1,
        "total_annotations": 2,
        "cancelled_annotations": 0,
        "total_predictions": 0,
        "comment_count": 0,
        "unresolved_comment_count": 0,
        "last_comment_updated_at": None,
        "project": 1,
        "updated_by": BEN["id"],
        "comment_authors": [],
    }
    return [task]


if __name__ == "__main__":
    OUT.write_text(json.dumps(build(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
