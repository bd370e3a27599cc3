"""Panorama imagery: projections and the synthetic demo panoramas."""
