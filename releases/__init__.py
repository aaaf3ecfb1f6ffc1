"""Release stage: versioned Hugging Face datasets with card, datasheet, Croissant, checksums and changelog."""
