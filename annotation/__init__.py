"""Annotation stage: drive Label Studio (server, schema, push and pull of annotations)."""
