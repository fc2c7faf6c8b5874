"""Index sets into MediaPipe's 468-point face mesh (subject's right eye is on the image's left)."""

from __future__ import annotations

FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148,
             176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)
# Eye aspect ratio points (p1..p6 of Soukupová & Čech 2016) for each eye.
EAR_RIGHT = (33, 160, 158, 133, 153, 144)
EAR_LEFT = (362, 385, 387, 263, 373, 380)
EYE_RIGHT = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
EYE_LEFT = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
BROW_RIGHT = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46)
BROW_LEFT = (300, 293, 334, 296, 336, 285, 295, 282, 283, 276)
LIPS_OUTER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)
LIP_UPPER_INNER, LIP_LOWER_INNER = 13, 14
MOUTH_CORNERS = (61, 291)
NOSTRILS = (98, 327, 2, 94, 19)
# Points that move little with expression: eye corners, nose, inner brow ends.
RIGID_INNER = (33, 133, 362, 263, 1, 4, 5, 6, 168, 197, 195, 98, 327, 55, 285)
# Central face for the inner-face head pose (Yang et al. 2019 use the central face region).
CENTRAL = (33, 133, 362, 263, 1, 4, 5, 6, 168, 197, 195, 98, 327, 61, 291, 0, 17)
# Skin regions for remote photoplethysmography.
SKIN_REGIONS: dict[str, tuple[int, ...]] = {
    "forehead": (109, 10, 338, 337, 151, 108),
    "right_cheek": (117, 118, 101, 36, 205, 187, 123),
    "left_cheek": (346, 347, 330, 266, 425, 411, 352),
}
FEATURES = (EYE_RIGHT, EYE_LEFT, BROW_RIGHT, BROW_LEFT, LIPS_OUTER, NOSTRILS)
