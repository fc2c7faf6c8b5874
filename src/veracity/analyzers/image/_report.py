"""Turn a per-block anomaly map into the heatmap artifact and the localized finding the image analyzers share."""

from __future__ import annotations

import numpy as np

from veracity.evidence import Artifact, Direction, Finding, JsonValue, Locus


def anomaly_artifact(rgb: np.ndarray, anomaly: np.ndarray, name: str, description: str,
                     box_xyxy_px: tuple[int, int, int, int] | None) -> Artifact:
    from veracity.pictures import heatmap_overlay, png_bytes

    return Artifact.from_bytes(name, "image/png", description,
                               png_bytes(heatmap_overlay(rgb, anomaly, box_xyxy=box_xyxy_px)))


def region_finding(*, code: str, message: str, score: float, flagged: bool, box_xyxy_px: tuple[int, int, int, int]
                   | None, artifact: str, uniform_code: str, uniform_message: str, max_strength: float = 0.5,
                   data: dict[str, JsonValue] | None = None) -> Finding:
    """A synthetic-leaning finding with the region box when ``flagged``, else a neutral 'uniform' one."""
    payload: dict[str, JsonValue] = {"score": round(score, 4), **(data or {})}
    if flagged and box_xyxy_px is not None:
        return Finding(code=code, message=message, direction=Direction.SYNTHETIC,
                       strength=round(min(score, 1.0) * max_strength, 3),
                       locus=Locus(box_xyxy_px=box_xyxy_px, artifact=artifact), data=payload)
    return Finding(code=uniform_code, message=uniform_message, direction=Direction.NEUTRAL, strength=0.0,
                   locus=Locus(artifact=artifact), data=payload)
