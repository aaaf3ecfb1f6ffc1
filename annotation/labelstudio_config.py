"""Generates Label Studio's labeling config (XML) and instructions from the label schema.

Never written by hand: the server checks what we generate when the project is created or
updated, so a schema change shows up as a clear error instead of a broken annotation UI.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from annotation.schema import (
    CLAIM,
    CLAIM_LABELS,
    CLAIM_LAYER,
    ENTITY_LAYER,
    FLAG_LAYER,
    LINK_LABELS,
    LabelSchema,
    flag_labels,
)

GUIDELINES = Path(__file__).with_name("guidelines.md")

# Text tag name and the task data fields the config reads.
TEXT_TAG = "text"

# Colours cycle through a palette that stays readable on white; the claim layer has its own.
_PALETTE = [
    "#ff9aa2",
    "#ffb347",
    "#fdfd96",
    "#b5ead7",
    "#c7ceea",
    "#a0e7e5",
    "#ffdac1",
    "#e2f0cb",
    "#f1cbff",
    "#bde0fe",
    "#caffbf",
    "#ffc6ff",
    "#d0f4de",
    "#fcf6bd",
    "#e4c1f9",
    "#a9def9",
    "#ffd6a5",
]
_CLAIM_COLOURS = {"CLAIM": "#4f9dff", "CUE": "#ffb000", "SOURCE": "#2ca02c"}
_FLAG_COLOUR = "#ff3b30"  # a warning red, unlike any label's colour


def labeling_config(schema: LabelSchema) -> str:
    view = ET.Element("View")
    ET.SubElement(view, "Header", value="$title")
    # Cleaning flags, so annotators see what the pipeline suspected (e.g. a mistranslation).
    ET.SubElement(view, "Header", value="$flags_note", size="6")
    entities = ET.SubElement(view, "Labels", name=ENTITY_LAYER, toName=TEXT_TAG, showInline="true")
    for i, label in enumerate(schema.entity_labels):
        ET.SubElement(entities, "Label", value=label, background=_PALETTE[i % len(_PALETTE)])
    claims = ET.SubElement(view, "Labels", name=CLAIM_LAYER, toName=TEXT_TAG, showInline="true")
    for label in CLAIM_LABELS:
        ET.SubElement(claims, "Label", value=label, background=_CLAIM_COLOURS[label])
    ET.SubElement(view, "Text", name=TEXT_TAG, value="$text")
    relations = ET.SubElement(view, "Relations")
    for label in LINK_LABELS:
        ET.SubElement(relations, "Relation", value=label)
    # Claim attributes appear when a CLAIM region is selected. Whether they are filled in is
    # checked by `newsdesk validate`, not by the UI, so a half-done task can still be saved.
    per_claim = ET.SubElement(
        view, "View", visibleWhen="region-selected", whenTagName=CLAIM_LAYER, whenLabelValue=CLAIM
    )
    for attr in schema.claim_attributes:
        ET.SubElement(per_claim, "Header", value=attr.title, size="6")
        choices = ET.SubElement(
            per_claim,
            "Choices",
            name=attr.name,
            toName=TEXT_TAG,
            perRegion="true",
            choice="single-radio" if len(attr.values) > 1 else "multiple",
            showInline="true",
        )
        for value in attr.values:
            ET.SubElement(choices, "Choice", value=value)
    doc = schema.document_choice
    ET.SubElement(view, "Header", value=doc.title, size="6")
    doc_choices = ET.SubElement(view, "Choices", name=doc.name, toName=TEXT_TAG, choice="multiple", showInline="true")
    for value in doc.values:
        ET.SubElement(doc_choices, "Choice", value=value)
    # The cleaning flags as regions at their offsets: push sends them, read-only, with the
    # prediction, so annotators see where each flag is. The control itself is hidden (nobody
    # draws a flag) and last (the labels above keep their hotkeys); pull drops its regions.
    hidden = ET.SubElement(view, "View", style="display: none")
    flags = ET.SubElement(hidden, "Labels", name=FLAG_LAYER, toName=TEXT_TAG)
    for rule in flag_labels():
        ET.SubElement(flags, "Label", value=rule, background=_FLAG_COLOUR)
    ET.indent(view)
    return ET.tostring(view, encoding="unicode")


def instructions_html(schema: LabelSchema) -> str:
    """The guidelines (Markdown in the repo) as HTML, with the label lists generated from the schema."""
    from markdown_it import MarkdownIt

    labels = "\n".join(
        [
            "",
            "## Labels in this project (generated from labels.toml)",
            "",
            "- Entities: " + ", ".join(f"`{label}`" for label in schema.entity_labels),
            "- Claim layer: " + ", ".join(f"`{label}`" for label in CLAIM_LABELS),
            "- Links from a CLAIM: "
            + ", ".join(f"`{label}`" for label in LINK_LABELS)
            + f" (a source is a SOURCE span or an entity labelled {', '.join(schema.source_labels)})",
            *[f"- {a.title}: " + ", ".join(a.values) for a in schema.claim_attributes],
        ]
    )
    return MarkdownIt().render(GUIDELINES.read_text(encoding="utf-8") + labels)
