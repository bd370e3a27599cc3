"""Imports: locations, areas and panoramas from files, and the Decode Surveillance NYC export."""

from app.services.imports.amnesty import import_amnesty
from app.services.imports.amnesty_files import read_directory_files
from app.services.imports.areas import import_areas, polygonal
from app.services.imports.common import ImportReport, Report
from app.services.imports.locations import LocationFields, LocationFormat, import_locations
from app.services.imports.merge import task_near
from app.services.imports.panorama_rows import PanoramaFields
from app.services.imports.panoramas import import_panoramas

__all__ = [
    "ImportReport",
    "LocationFields",
    "LocationFormat",
    "PanoramaFields",
    "Report",
    "import_amnesty",
    "import_areas",
    "import_locations",
    "import_panoramas",
    "polygonal",
    "read_directory_files",
    "task_near",
]
