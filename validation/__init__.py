"""Validation stage: schemas, integrity checks, agreement and adjudication before anything is released."""
