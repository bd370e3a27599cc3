"""Equirectangular pixel <-> viewing-direction mapping.

The browser viewer (Photo Sphere Viewer) puts yaw 0 at the image's centre column, so a
panorama's `heading` is the compass heading of that centre column. Pixel coordinates are
continuous: pixel column i covers [i, i + 1), and x grows with heading, y downwards.
"""


def direction_to_pixel(
    heading: float, pitch: float, *, width: int, height: int, pano_heading: float = 0.0
) -> tuple[float, float]:
    """Return the (x, y) pixel position of a heading and pitch in an equirectangular image."""
    x = (width / 2 + (heading - pano_heading) / 360.0 * width) % width
    # A tiny negative offset folds to exactly `width` in floating point.
    if x >= width:
        x = 0.0
    y = height / 2 - pitch / 180.0 * height
    return x, y


def pixel_to_direction(
    x: float, y: float, *, width: int, height: int, pano_heading: float = 0.0
) -> tuple[float, float]:
    """Return the (heading, pitch) in degrees seen at pixel position (x, y)."""
    heading = (pano_heading + (x - width / 2) / width * 360.0) % 360.0
    if heading >= 360.0:
        heading = 0.0
    pitch = (height / 2 - y) / height * 180.0
    return heading, pitch
