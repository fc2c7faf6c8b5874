"""Forensic features of a picture for the full-frame AI-image detector, computed on fixed-size views.

What they capture: the traces generators leave in the *pixels* — the up-sampling layers of GANs and diffusion
decoders put periodic peaks and an unusual fall-off in the power spectrum (Durall et al., CVPR 2020; Corvi et al.,
ICASSP 2023), and generated pixels lack the sensor noise and demosaicing correlations of a camera, which shows in
high-pass residual statistics and their co-occurrences (Fridrich & Kodovský's SRM / Pevný's SPAM, IEEE TIFS
2010/2012) and in colour statistics (McCloskey & Albright, ICIP 2019: saturation and chroma of GAN images).

What they avoid: format, size and aspect ratio. The picture is first brought to a canonical form (longest side at
most 1024 px, re-encoded as JPEG quality 90 in memory, metadata gone), then measured on 256×256 views: tiles at
native resolution and one view after resizing the longest side to 512 px. Each view yields the same features.

The shipped model (``ai_image_v1``) reads only the colour family: under grouped cross-validation on the corpus the
spectrum and residual families separated source collections rather than generators (see the model card).

Where they fail: strong compression, heavy resizing and screenshots erase most of these traces; synthetic images
upscaled by a separate super-resolution model or printed and re-photographed look like camera pictures; very flat
pictures (graphics, documents) give little residual to measure.
"""

from __future__ import annotations

import io

import numpy as np

VIEW_PX = 256
CANONICAL_MAX_SIDE_PX = 1024
CANONICAL_JPEG_QUALITY = 90
RESIZED_LONG_SIDE_PX = 512
RADIAL_BINS = 12
COOC_T = 2  # residuals are quantised to -T..T
_KB = np.array([[-1, 2, -1], [2, -4, 2], [-1, 2, -1]], dtype=np.float32) / 4.0


def canonical(rgb: np.ndarray) -> np.ndarray:
    """Longest side ≤ 1024 px (never upscaled), re-encoded as JPEG q90: what every input is measured as."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(rgb[..., :3]))
    image.thumbnail((CANONICAL_MAX_SIDE_PX, CANONICAL_MAX_SIDE_PX), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=CANONICAL_JPEG_QUALITY)
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("RGB"))


def _resize(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.fromarray(rgb).resize((max(1, width), max(1, height)), Image.Resampling.LANCZOS))


def _centre_crop(rgb: np.ndarray, cy: int, cx: int) -> np.ndarray:
    half = VIEW_PX // 2
    y0 = int(np.clip(cy - half, 0, rgb.shape[0] - VIEW_PX))
    x0 = int(np.clip(cx - half, 0, rgb.shape[1] - VIEW_PX))
    return rgb[y0 : y0 + VIEW_PX, x0 : x0 + VIEW_PX]


def _at_least_view(rgb: np.ndarray) -> np.ndarray:
    height, width = rgb.shape[:2]
    if min(height, width) >= VIEW_PX:
        return rgb
    scale = VIEW_PX / min(height, width)
    return _resize(rgb, max(VIEW_PX, round(width * scale)), max(VIEW_PX, round(height * scale)))


def native_tiles(rgb: np.ndarray) -> list[np.ndarray]:
    """The centre tile plus, when the picture is large enough, one tile centred in each quadrant."""
    rgb = _at_least_view(rgb)
    height, width = rgb.shape[:2]
    tiles = [_centre_crop(rgb, height // 2, width // 2)]
    if height >= 2 * VIEW_PX and width >= 2 * VIEW_PX:
        tiles += [_centre_crop(rgb, height * fy // 4, width * fx // 4) for fy in (1, 3) for fx in (1, 3)]
    return tiles


def resized_view(rgb: np.ndarray) -> np.ndarray:
    height, width = rgb.shape[:2]
    scale = RESIZED_LONG_SIDE_PX / max(height, width)
    small = _at_least_view(_resize(rgb, round(width * scale), round(height * scale)))
    return _centre_crop(small, small.shape[0] // 2, small.shape[1] // 2)


def _filter3(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """'valid' 3×3 correlation, in numpy."""
    h, w = x.shape[0] - 2, x.shape[1] - 2
    out = np.zeros((h, w) + x.shape[2:], dtype=np.float32)
    for dy in range(3):
        for dx in range(3):
            if kernel[dy, dx]:
                out += kernel[dy, dx] * x[dy : dy + h, dx : dx + w]
    return out


def _radial_index(size: int) -> np.ndarray:
    freq = np.fft.fftshift(np.fft.fftfreq(size))
    return np.hypot(freq[:, None], freq[None, :])


_RADIUS = _radial_index(VIEW_PX)
_HANN = np.outer(np.hanning(VIEW_PX), np.hanning(VIEW_PX)).astype(np.float32)
_EDGES = np.linspace(0.03, 0.5, RADIAL_BINS + 1)


def spectrum_stats(grey: np.ndarray, residual: np.ndarray) -> list[float]:
    """Azimuthal fall-off of the log power spectrum and periodic peaks in the residual's spectrum."""
    power = np.abs(np.fft.fftshift(np.fft.fft2((grey - grey.mean()) * _HANN))) ** 2
    log_power = np.log(power + 1e-6)
    rings = [float(log_power[(_RADIUS >= lo) & (_RADIUS < hi)].mean())
             for lo, hi in zip(_EDGES[:-1], _EDGES[1:], strict=True)]
    shape = [r - rings[0] for r in rings[1:]]
    centres = 0.5 * (_EDGES[:-1] + _EDGES[1:])
    slope = float(np.polyfit(np.log(centres[4:]), rings[4:], 1)[0])

    size = residual.shape[0]
    res_power = np.abs(np.fft.fftshift(np.fft.fft2((residual - residual.mean()) * _HANN[:size, :size]))) ** 2
    log_res = np.log(res_power + 1e-6)
    radius = _radial_index(size)
    ring_id = np.minimum((radius / 0.5 * 32).astype(int), 32)
    ring_median = np.zeros(33)
    for ring in range(33):
        values = log_res[ring_id == ring]
        ring_median[ring] = np.median(values) if values.size else 0.0
    excess = log_res - ring_median[ring_id]
    outer = excess[radius > 0.1]
    c = size // 2
    periodic = [excess[c, c + size // 4], excess[c + size // 4, c], excess[c + size // 4, c + size // 4],
                excess[c, c + size // 8 * 3], excess[c + size // 8 * 3, c], excess[c, 0], excess[0, c]]
    return shape + [slope, float(outer.max()), float(np.percentile(outer, 99.9)), float((outer > 3.0).mean()),
                    float(np.mean(periodic)), float(np.max(periodic))]


def _cooccurrence(q: np.ndarray) -> list[float]:
    """Joint histogram of horizontally and vertically adjacent quantised residuals (SPAM-style), 25 bins."""
    levels = 2 * COOC_T + 1
    pairs = np.concatenate([(q[:, :-1] * levels + q[:, 1:]).ravel(), (q[:-1, :] * levels + q[1:, :]).ravel()])
    hist = np.bincount(pairs.astype(np.int64), minlength=levels * levels).astype(np.float64)
    return list(hist / hist.sum())


def _moments(x: np.ndarray) -> list[float]:
    std = float(x.std()) + 1e-6
    centred = (x - x.mean()) / std
    return [float(np.log(std)), float(np.log(np.mean(centred**4) + 1e-6)), float(np.mean(centred**3))]


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    a = a.ravel() - a.mean()
    b = b.ravel() - b.mean()
    return float((a @ b) / (np.sqrt((a @ a) * (b @ b)) + 1e-9))


def residual_stats(rgb: np.ndarray, grey: np.ndarray) -> tuple[list[float], np.ndarray]:
    """High-pass residual moments, cross-channel residual correlation and residual co-occurrences."""
    kb = _filter3(rgb, _KB)
    kb_grey = _filter3(grey, _KB)
    d1 = np.diff(grey, axis=1)[:-1, :]
    second = grey[:, 2:] - 2 * grey[:, 1:-1] + grey[:, :-2]
    smooth = _filter3(grey, np.full((3, 3), 1 / 9, np.float32))
    local = grey[1:-1, 1:-1] - smooth
    features = _moments(kb_grey) + _moments(second) + [
        float(np.log((kb_grey.std() + 1e-3) / (local.std() + 1e-3))),
        _corr(kb[..., 0], kb[..., 1]), _corr(kb[..., 1], kb[..., 2]), _corr(kb[..., 0], kb[..., 2]),
    ]
    q_kb = np.clip(np.round(kb_grey / 2.0), -COOC_T, COOC_T) + COOC_T
    q_d1 = np.clip(np.round(d1 / 2.0), -COOC_T, COOC_T) + COOC_T
    return features + _cooccurrence(q_kb) + _cooccurrence(q_d1), kb_grey


def colour_stats(rgb: np.ndarray) -> list[float]:
    """Saturation distribution, hue entropy and chroma / cross-channel gradient correlations."""
    high = rgb.max(axis=2)
    low = rgb.min(axis=2)
    saturation = (high - low) / (high + 1e-3)
    p10, p50, p90 = np.percentile(saturation, (10, 50, 90))
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    cb = -0.1687 * r - 0.3313 * g + 0.5 * b
    cr = 0.5 * r - 0.4187 * g - 0.0813 * b
    hue = np.arctan2(np.sqrt(3) * (g - b), 2 * r - g - b)
    weights = saturation.ravel()
    hist, _ = np.histogram(hue.ravel(), bins=18, range=(-np.pi, np.pi), weights=weights)
    hist = hist / (hist.sum() + 1e-9)
    entropy = float(-(hist[hist > 0] * np.log(hist[hist > 0])).sum())
    grad = [np.hypot(np.diff(c, axis=0)[:, :-1], np.diff(c, axis=1)[:-1, :]) for c in (r, g, b)]
    return [float(saturation.mean()), float(saturation.std()), float(p10), float(p50), float(p90),
            float((saturation > 0.8).mean()), float(np.log(cb.std() + 1e-3)), float(np.log(cr.std() + 1e-3)),
            _corr(cb, cr), entropy, _corr(grad[0], grad[2]), _corr(grad[0], grad[1])]


_NON_COLOUR_PER_VIEW = 17 + 60  # spectrum and residual features, before the colour ones


def view_features(view: np.ndarray, *, colour_only: bool = False) -> np.ndarray:
    """Features of one 256×256 view; ``colour_only`` leaves the spectrum and residual slots at 0 (faster)."""
    rgb = view.astype(np.float32)
    if colour_only:
        return np.asarray([0.0] * _NON_COLOUR_PER_VIEW + colour_stats(rgb), dtype=np.float64)
    grey = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    residual_features, kb_grey = residual_stats(rgb, grey)
    return np.asarray(spectrum_stats(grey, kb_grey) + residual_features + colour_stats(rgb), dtype=np.float64)


def image_features(rgb: np.ndarray, *, already_canonical: bool = False, colour_only: bool = False) -> np.ndarray:
    """One feature vector (tiles at native resolution averaged, then the resized view) for an RGB uint8 picture."""
    picture = rgb if already_canonical else canonical(rgb)
    tiles = np.mean([view_features(t, colour_only=colour_only) for t in native_tiles(picture)], axis=0)
    return np.concatenate([tiles, view_features(resized_view(picture), colour_only=colour_only)])


def is_colour_feature(name: str) -> bool:
    return any(tag in name for tag in (".sat_", ".cb_", ".cr_", ".cbcr_", ".hue_", ".grad_"))


def feature_names() -> list[str]:
    spectrum = [f"spec_ring{i}" for i in range(1, RADIAL_BINS)] + [
        "spec_slope", "res_peak_max", "res_peak_p999", "res_peak_frac", "res_periodic_mean", "res_periodic_max"]
    residual = ["kb_logstd", "kb_logkurt", "kb_skew", "d2_logstd", "d2_logkurt", "d2_skew", "kb_vs_local",
                "kb_corr_rg", "kb_corr_gb", "kb_corr_rb"]
    residual += [f"cooc_kb_{i}" for i in range(25)] + [f"cooc_d1_{i}" for i in range(25)]
    colour = ["sat_mean", "sat_std", "sat_p10", "sat_p50", "sat_p90", "sat_high", "cb_logstd", "cr_logstd",
              "cbcr_corr", "hue_entropy", "grad_corr_rb", "grad_corr_rg"]
    per_view = spectrum + residual + colour
    return [f"native.{n}" for n in per_view] + [f"resized.{n}" for n in per_view]
