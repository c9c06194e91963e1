"""Pure model layer: numpy, the standard library and psygnal only.

No Qt, no torch, no file formats (a test proves it in a fresh interpreter).
"""

from seisview.core.errors import SeisviewError
from seisview.core.gathers import Gather, GatherSet
from seisview.core.geometry import LineAxis, SurveyGeometry
from seisview.core.section import SectionData, SectionSpec
from seisview.core.tasks import Cancelled, TaskState
from seisview.core.volume import Volume

__all__ = [
    "Cancelled",
    "Gather",
    "GatherSet",
    "LineAxis",
    "SectionData",
    "SectionSpec",
    "SeisviewError",
    "SurveyGeometry",
    "TaskState",
    "Volume",
]
