"""Decode the open ``invisible-watermark`` DWT-DCT marks that Stable Diffusion's reference scripts embed.

Written in plain numpy after the ``imwatermark`` package's ``EmbedMaxDct`` (MIT licence, ShieldMnt), whose own
import pulls in torch; the one-level Haar approximation band is computed directly ((a + b + c + d) / 2 per 2×2
pixels, identical to PyWavelets' ``dwt2(..., "haar")[0]`` and much faster). The embedder takes the chroma plane U
of OpenCV's YUV, a one-level Haar DWT, cuts the approximation band into 4×4 blocks and quantises each block's
largest-magnitude non-DC coefficient with a step of 36 so that ``|c| mod 36`` lands at 9 (bit 0) or 27 (bit 1);
block ``k`` (row-major) carries bit ``k mod n``.

Which images carry it (public reference code):
- CompVis/stable-diffusion ``scripts/txt2img.py``: bytes ``StableDiffusionV1`` (136 bits), uint8 BGR input;
- Stability-AI/stablediffusion (SD 2.x) scripts: bytes ``SDV2`` (32 bits), uint8 BGR;
- Stability-AI/generative-models and diffusers' SDXL pipelines: 48 bits ``0xB3EC907BB19E``, float BGR input
  (so OpenCV's chroma offset is 0.5, not 128; early diffusers versions passed RGB);
- InvokeAI: bytes ``InvokeAI`` (64 bits), uint8 BGR.

Where it fails: the mark lives on an 8-pixel grid in exact pixel values, so any resize, a crop that moves the grid
or changes the width, 4:2:0 JPEG or heavy filtering destroys it (bits fall to chance). Absence therefore means
nothing. A random image agrees with any message on about half its bits; ``false_alarm_p`` turns the agreement into
the chance of seeing it without a watermark (binomial tail, corrected for a biased decoder and for the number of
messages and variants tried), so only a near-perfect match counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

_STEP = 36.0
_BLOCK = 4


def _bits_of_bytes(message: bytes) -> tuple[int, ...]:
    return tuple(int(b) for b in np.unpackbits(np.frombuffer(message, dtype=np.uint8)))


def _bits_of_int(value: int) -> tuple[int, ...]:
    return tuple(int(b) for b in bin(value)[2:])


@dataclass(frozen=True)
class KnownMark:
    name: str  # who embeds it
    bits: tuple[int, ...]
    float_input: bool  # embedder fed float pixels (chroma offset 0.5) rather than uint8 (offset 128)
    source: str


KNOWN_MARKS: tuple[KnownMark, ...] = (
    KnownMark("Stable Diffusion v1 reference scripts", _bits_of_bytes(b"StableDiffusionV1"), False,
              "CompVis/stable-diffusion scripts/txt2img.py"),
    KnownMark("Stable Diffusion 2 reference scripts", _bits_of_bytes(b"SDV2"), False,
              "Stability-AI/stablediffusion scripts/txt2img.py"),
    KnownMark("Stable Diffusion XL (Stability AI / diffusers)", _bits_of_int(0xB3EC907BB19E), True,
              "Stability-AI/generative-models sgm/inference/helpers.py; diffusers StableDiffusionXLWatermarker"),
    KnownMark("InvokeAI", _bits_of_bytes(b"InvokeAI"), False, "invoke-ai/InvokeAI invisible_watermark.py"),
)
CHANNEL_ORDERS = ("bgr", "rgb")  # what the embedder was handed as "BGR": the true BGR image, or RGB by mistake


@dataclass(frozen=True)
class MarkMatch:
    mark: KnownMark
    channel_order: str
    decoded_at_hw: tuple[int, int]  # size the image was scaled to before decoding (its own size if not scaled)
    decoded_bits: tuple[int, ...]
    agreeing_bits: int
    false_alarm_p: float  # chance a watermark-free image matches this well, corrected for all variants tried

    @property
    def bit_agreement(self) -> float:
        return self.agreeing_bits / len(self.mark.bits)


def _u_weights(channel_order: str) -> np.ndarray:
    """U = 0.492 · (B − 0.299 R − 0.587 G − 0.114 B) as weights of the array's channels; "rgb" order means red was
    taken for blue."""
    weights = np.array([-0.492 * 0.299, -0.492 * 0.587, 0.492 * 0.886], dtype=np.float32)
    return weights[::-1].copy() if channel_order == "rgb" else weights


def chroma_u(rgb: np.ndarray, *, channel_order: str = "bgr", float_input: bool = False) -> np.ndarray:
    """OpenCV's ``COLOR_BGR2YUV`` U plane, 0.492·(B − Y), of the array the embedder saw, as float32.

    uint8 input: offset 128 and rounded, as OpenCV stores it; float input: offset 0.5, unrounded.
    """
    u = rgb.astype(np.float32) @ _u_weights(channel_order)
    if float_input:
        return u + np.float32(0.5)
    return np.clip(np.round(u + np.float32(128.0)), 0, 255)


def block_scores(plane: np.ndarray) -> np.ndarray:
    """Per 4×4 block of the Haar approximation band: 1.0 where ``|largest AC| mod 36`` is in the upper half."""
    height, width = (plane.shape[0] // 4) * 4, (plane.shape[1] // 4) * 4
    p = plane[:height, :width]
    approx = (p[0::2, 0::2] + p[0::2, 1::2] + p[1::2, 0::2] + p[1::2, 1::2]) / 2.0
    rows, cols = approx.shape[0] // _BLOCK, approx.shape[1] // _BLOCK
    magnitude = np.abs(approx[: rows * _BLOCK, : cols * _BLOCK])
    # The largest magnitude but the block's first (top-left) value, as element-wise maxima of strided views (a
    # max over the block's axes is several times slower): the rows below the first, then the first row's others.
    below = np.maximum(np.maximum(magnitude[1::_BLOCK], magnitude[2::_BLOCK]), magnitude[3::_BLOCK])
    first = magnitude[0::_BLOCK]
    peak = np.maximum(np.maximum(below[:, 0::_BLOCK], below[:, 1::_BLOCK]),
                      np.maximum(below[:, 2::_BLOCK], below[:, 3::_BLOCK]))
    for column in range(1, _BLOCK):
        np.maximum(peak, first[:, column::_BLOCK], out=peak)
    return (np.mod(peak, _STEP) > 0.5 * _STEP).astype(np.float64).ravel()


def variant_block_scores(rgb: np.ndarray, variants: set[tuple[str, bool]]) -> dict[tuple[str, bool], np.ndarray]:
    """``block_scores(chroma_u(rgb, channel_order=order, float_input=float_input))`` for each ``(order,
    float_input)`` variant, over strips of ``STRIP_ROWS`` rows (whole blocks, so the scores and their row-major
    order are the same), each strip converted to float once and to the U planes of all channel orders in one
    matrix product: one strip's planes are held, not four full-resolution float copies of the picture.

    (The one product for both orders rounds differently from one product per order, by at most ~2e-5 of a U value;
    on the corpus' pictures, the 20-MP benchmark photo among them, not one block's score changes.)"""
    height = (rgb.shape[0] // 8) * 8
    orders = sorted({order for order, _f in variants})
    weights = np.stack([_u_weights(order) for order in orders], axis=1)  # 3 × orders
    parts: dict[tuple[str, bool], list[np.ndarray]] = {v: [] for v in variants}
    for top in range(0, max(height, 1), STRIP_ROWS):
        strip = rgb[top : min(top + STRIP_ROWS, height)] if height else rgb
        planes = strip.astype(np.float32) @ weights
        for index, order in enumerate(orders):
            u = (planes[..., index] + np.float32(0.5)) - np.float32(0.5)  # as chroma_u(float_input=True) − 0.5
            for float_input in {f for o, f in variants if o == order}:
                plane = u + np.float32(0.5) if float_input else np.clip(np.round(u + np.float32(128.0)), 0, 255)
                parts[(order, float_input)].append(block_scores(plane))
    return {variant: np.concatenate(chunks) for variant, chunks in parts.items()}


def decode_bits(scores: np.ndarray, n_bits: int) -> np.ndarray:
    """Majority vote of the blocks carrying each bit (``imwatermark``'s rule: mean × 255 > 127)."""
    sums = np.bincount(np.arange(scores.size) % n_bits, weights=scores, minlength=n_bits)
    counts = np.bincount(np.arange(scores.size) % n_bits, minlength=n_bits)
    return (sums / np.maximum(counts, 1) * 255 > 127).astype(np.uint8)


def _binomial_pmf(n: int, p: float) -> np.ndarray:
    """P[X = k] for k = 0..n, X ~ Binomial(n, p) (computed in log space; scipy.stats costs ~1 s to import)."""
    k = np.arange(n + 1)
    log_comb = np.array([math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) for i in k])
    return np.exp(log_comb + k * math.log(p) + (n - k) * math.log1p(-p))  # type: ignore[no-any-return]


def agreement_tail_p(expected: np.ndarray, decoded: np.ndarray) -> float:
    """P[agreement ≥ observed] for a decoder with no watermark to read.

    Two null models, and the larger (more cautious) tail is kept: fair coin bits (binomial, p = 0.5), and bits
    drawn with the decoder's own bias towards 0 or 1 (e.g. flat images decode to all zeros), which makes the
    agreement a sum of two binomials over the message's ones and zeros.
    """
    n_bits = expected.size
    agree = int(np.sum(expected == decoded))
    fair = sum(math.comb(n_bits, k) for k in range(agree, n_bits + 1)) / 2.0**n_bits
    p_one = float(np.clip(decoded.mean(), 1e-3, 1 - 1e-3))
    ones = int(expected.sum())
    zeros = n_bits - ones
    from_ones = _binomial_pmf(ones, p_one)
    from_zeros = _binomial_pmf(zeros, 1 - p_one)
    total = np.convolve(from_ones, from_zeros)
    biased = float(total[agree:].sum())
    return min(1.0, max(fair, biased))


# Output sides of common generators; a downscaled copy is scaled back up to these before decoding.
GENERATOR_SIDES_PX = (512, 576, 640, 704, 768, 832, 896, 960, 1024, 1152, 1216, 1344, 1536)
MAX_GENERATOR_SIDE_PX = 4096  # larger than any generator writes natively (upscalers re-synthesise, erasing the mark)
STRIP_ROWS = 256  # pixel rows decoded at a time (a multiple of 8: whole 4×4 blocks of the half-resolution band)


def candidate_sizes(height: int, width: int) -> list[tuple[int, int]]:
    """The image's own size first, then 2× (a halved generator output; only where the doubled picture is no
    larger than ``MAX_GENERATOR_SIDE_PX`` — a camera photo is not a halved generator output, and doubling a
    24-MP photo would cost ~100 MP of work), then, unless the image already has a generator-like size (both sides
    multiples of 64), the generator sizes it could have been shrunk from (same aspect, at most 2.5× larger)."""
    sizes = [(height, width)]
    if 2 * max(height, width) <= MAX_GENERATOR_SIDE_PX:
        sizes.append((2 * height, 2 * width))
    if height % 64 == 0 and width % 64 == 0:
        return sizes
    for side in GENERATOR_SIDES_PX:
        for scale in (side / width, side / height):
            target = (round(height * scale), round(width * scale))
            if 1.05 < scale <= 2.5 and target[0] % 8 == 0 and target[1] % 8 == 0 and target not in sizes:
                sizes.append(target)
    return sizes


def match_known_marks(
    rgb: np.ndarray, marks: tuple[KnownMark, ...] = KNOWN_MARKS, *, try_upscaling: bool = True
) -> list[MarkMatch]:
    """Decode every known message under each channel order (and, optionally, scaled back to likely original
    sizes, which recovers a mark through a plain downscale); best match first.

    ``false_alarm_p`` is Bonferroni-corrected for the number of (size, message, channel order) triples tried.
    """
    from PIL import Image

    native = (int(rgb.shape[0]), int(rgb.shape[1]))
    sizes = candidate_sizes(*native) if try_upscaling else [native]
    trials = len(sizes) * len(marks) * len(CHANNEL_ORDERS)
    matches = []
    for size in sizes:
        pixels = rgb if size == rgb.shape[:2] else np.asarray(
            Image.fromarray(rgb).resize((size[1], size[0]), Image.Resampling.BICUBIC))
        scores_by_variant = variant_block_scores(
            pixels, {(order, mark.float_input) for mark in marks for order in CHANNEL_ORDERS})
        for mark in marks:
            expected = np.array(mark.bits, dtype=np.uint8)
            for order in CHANNEL_ORDERS:
                key = (order, mark.float_input)
                decoded = decode_bits(scores_by_variant[key], expected.size)
                p = min(1.0, agreement_tail_p(expected, decoded) * trials)
                matches.append(MarkMatch(mark, order, size, tuple(int(b) for b in decoded),
                                         int(np.sum(expected == decoded)), p))
    return sorted(matches, key=lambda m: m.false_alarm_p)


def block_agreement(rgb: np.ndarray, match: MarkMatch) -> np.ndarray:
    """Per 8×8-pixel block of the decoded geometry: 1 where the block carries the matched message's bit, else 0.

    Where a watermarked picture was later edited, the mark is gone locally and agreement falls to chance.
    """
    from PIL import Image

    height, width = match.decoded_at_hw
    pixels = rgb if (height, width) == rgb.shape[:2] else np.asarray(
        Image.fromarray(rgb).resize((width, height), Image.Resampling.BICUBIC))
    variant = (match.channel_order, match.mark.float_input)
    scores = variant_block_scores(pixels, {variant})[variant]
    expected = np.array(match.mark.bits, dtype=np.float64)
    agree = (scores == expected[np.arange(scores.size) % expected.size]).astype(np.float64)
    cols = (width // 4 * 4) // 2 // _BLOCK
    return agree.reshape(-1, cols)
