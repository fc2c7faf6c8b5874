from __future__ import annotations

from pathlib import Path

from veracity.batch.discover import discover


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_folders_globs_and_list_files(tmp_path: Path) -> None:
    a = _touch(tmp_path / "a" / "one.jpg")
    b = _touch(tmp_path / "a" / "deep" / "two.mp4")
    _touch(tmp_path / "a" / ".hidden" / "skip.jpg")
    _touch(tmp_path / "a" / "notes.md")
    _touch(tmp_path / "a" / "veracity.sqlite")
    c = _touch(tmp_path / "b" / "three.wav")
    d = _touch(tmp_path / "b" / "four.png")
    listing = tmp_path / "lists" / "files.txt"
    listing.parent.mkdir()
    listing.write_text(f"# my list\n../b/three.wav\n\n{d}\nmissing.jpg\n", encoding="utf-8")

    found = discover([tmp_path / "a", str(tmp_path / "b" / "*.png"), f"@{listing}", str(tmp_path / "z*.jpg")])
    assert found.files == [b, a, d, c]  # walk order, then the glob, then the list (d only once)
    assert set(found.failures) == {str(listing.parent / "missing.jpg"), str(tmp_path / "z*.jpg")}


def test_list_file_recognised_by_suffix(tmp_path: Path) -> None:
    media = _touch(tmp_path / "clip.mp4")
    (tmp_path / "batch.lst").write_text("clip.mp4\n", encoding="utf-8")
    assert discover([tmp_path / "batch.lst"]).files == [media]


def test_walk_says_what_it_skipped_and_never_opens_a_fifo(tmp_path: Path) -> None:
    import os

    media = _touch(tmp_path / "in" / "clip.mp4")
    _touch(tmp_path / "in" / "notes.txt")
    (tmp_path / "in" / "dangling.jpg").symlink_to(tmp_path / "nowhere.jpg")
    (tmp_path / "in" / "self").symlink_to(tmp_path / "in")
    (tmp_path / "in" / "spin").symlink_to(tmp_path / "in" / "spin")
    os.mkfifo(tmp_path / "in" / "feed.wav")
    found = discover([tmp_path / "in"])
    assert found.files == [media] and not found.failures
    assert found.skipped == {
        str(tmp_path / "in" / "dangling.jpg"): "a link to something that does not exist",
        str(tmp_path / "in" / "feed.wav"): "not a regular file (a FIFO)",
        str(tmp_path / "in" / "self"): "a link back to a folder already searched (a loop)",
        str(tmp_path / "in" / "spin"): "a link that loops",
    }
    assert found.not_media == 1 and len(found.notes()) == 5
