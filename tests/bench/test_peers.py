from __future__ import annotations

import pytest

from veracity.bench.manifest import ManifestError
from veracity.bench.peers import peer_comparison, with_peers


def _item(category: str, label: str, verdict_p: float, peer_p: float | None) -> dict[str, object]:
    analyzers = {"image.ela": verdict_p}
    if peer_p is not None:
        analyzers["learned.mesonet"] = peer_p
    return {"category": category, "label": label, "error": None, "p_synthetic": verdict_p, "analyzers": analyzers}


def test_peer_is_added_to_the_profile_analyzers() -> None:
    ids = with_peers(None, ["mesonet"], "default")
    assert ids[-1] == "learned.mesonet" and len(ids) > 1 and len(set(ids)) == len(ids)
    assert with_peers(("image.ela",), ["mesonet"], "default") == ("image.ela", "learned.mesonet")
    with pytest.raises(ManifestError):
        with_peers(None, ["nope"], "default")


def test_comparison_uses_only_the_files_the_peer_scored() -> None:
    items = [
        _item("face_video", "real", 0.2, 0.9), _item("face_video", "fake", 0.8, 0.1),
        _item("face_video", "fake", 0.1, None),  # the peer found no face: left out of both AUCs
    ]
    entry = peer_comparison(items, ["mesonet"])["mesonet"]["per_category"]["face_video"]
    assert (entry["n_real"], entry["n_fake"]) == (1, 1)
    assert entry["verdict_auc"] == 1.0 and entry["peer_auc"] == 0.0
    assert entry["peer_mean_fake"] == 0.1
