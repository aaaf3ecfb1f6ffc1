"""What a release config is: its name, what a row is, its Features, how a split's rows are made,
and in which process. The registry is ``releases.configs.CONFIGS``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from datasets import Features

    from annotation.schema import LabelSchema
    from releases.build import ReleaseInputs, StepTimes

# A config's sources by split (in the order read), and how one split's sources become its table.
Sources = tuple[dict[str, list], Callable[[list], pa.Table]]


@dataclass(frozen=True)
class ReleaseConfig:
    name: str
    description: str  # what one row is, for the card
    features: Callable[[LabelSchema], Features]
    sources: Callable[[ReleaseInputs, StepTimes], Sources]
    # Made in validation's process: it needs what only that process reads (people's records). Which
    # others it makes, to even out the two processes, `releases.build.validation_lane` says.
    beside_validation: bool = False


def by_split(items, split_of) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for item in items:
        grouped.setdefault(split_of(item), []).append(item)
    return grouped
