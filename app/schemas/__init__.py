"""Pydantic request and response models, split by resource."""
