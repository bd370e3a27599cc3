"""Synthetic equirectangular panoramas with cameras drawn at known directions."""
