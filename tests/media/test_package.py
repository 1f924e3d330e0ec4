"""package_build makes a real HLS package in one ffmpeg pass; `reelhouse media package` wraps it."""

import json
import subprocess
import sys
from pathlib import Path

import m3u8
import pytest
from django.core.management import CommandError, call_command

from reelhouse.media.probe import ProbeError
from reelhouse.media.transcode import ffmpeg
from reelhouse.media.transcode.package import package_build
from tests.conftest import make_clip

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)


def test_package_has_an_aligned_ladder_audio_and_poster(tmp_path, clip_cache):
    seen = []
    result = package_build(source=clip_cache(seconds=8), dest=tmp_path / "pkg", on_progress=seen.append,
                           preset="ultrafast")
    master = m3u8.load(str(result.directory / "master.m3u8"))
    assert [p.stream_info.resolution for p in master.playlists] == [(854, 480), (640, 360)]
    assert [m.type for m in master.media] == ["AUDIO"]
    for rendition in [*master.playlists, *master.media]:
        playlist = m3u8.load(str(result.directory / rendition.uri))
        assert playlist.playlist_type == "vod" and playlist.is_endlist
        assert (result.directory / rendition.uri).parent.joinpath(playlist.segment_map[0].uri).is_file()
        assert sum(s.duration for s in playlist.segments) == pytest.approx(8.0, abs=0.1)
    # one IDR every 2 s on each rung: 6 s segments cut on the same boundaries
    durations = {p.uri: [round(s.duration, 2) for s in m3u8.load(str(result.directory / p.uri)).segments]
                 for p in master.playlists}
    assert len(set(map(tuple, durations.values()))) == 1 and next(iter(durations.values()))[0] == 6.0
    assert [r["name"] for r in result.renditions] == ["v480", "v360"]
    assert all(r["bandwidth"] > 0 and r["codecs"].startswith("avc1") for r in result.renditions)
    assert result.poster and result.poster.stat().st_size > 1000
    assert seen and seen[-1].fraction == 1.0
    assert not list(tmp_path.glob(".pkg.building-*"))


def test_rung_keyframes_every_two_seconds(tmp_path, clip_cache):
    import av

    result = package_build(source=clip_cache(seconds=8), dest=tmp_path / "pkg", preset="ultrafast")
    rung = result.directory / "v360"
    joined = tmp_path / "v360.mp4"
    joined.write_bytes((rung / "init.mp4").read_bytes() if (rung / "init.mp4").exists()
                       else next(rung.glob("init*.mp4")).read_bytes())
    with joined.open("ab") as out:
        for seg in sorted(rung.glob("seg_*.m4s")):
            out.write(seg.read_bytes())
    with av.open(str(joined)) as container:
        stream = container.streams.video[0]
        keys = [float(p.pts * stream.time_base) for p in container.demux(stream) if p.is_keyframe and p.pts is not None]
    assert keys == pytest.approx([0.0, 2.0, 4.0, 6.0], abs=0.05)


def test_failure_leaves_nothing_behind(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    bad = folder / "bad.mp4"
    bad.write_bytes(b"nope" * 100)
    with pytest.raises(ProbeError):
        package_build(source=bad, dest=folder / "pkg")
    assert sorted(p.name for p in folder.iterdir()) == ["bad.mp4"]


def test_ffmpeg_failure_is_reported_with_its_words(tmp_path, clip_cache, monkeypatch):
    real = ffmpeg.build_command
    monkeypatch.setattr(ffmpeg, "build_command", lambda **kw: [*real(**kw)[:-1], "-bogus_option", "1", "x.m3u8"])
    with pytest.raises(ffmpeg.TranscodeError, match="ffmpeg exited with status") as err:
        package_build(source=clip_cache(seconds=4), dest=tmp_path / "pkg", preset="ultrafast")
    assert "bogus_option" in str(err.value)
    assert not (tmp_path / "pkg").exists()


def test_existing_package_is_never_overwritten(tmp_path, clip_cache):
    (tmp_path / "pkg").mkdir()
    with pytest.raises(FileExistsError):
        package_build(source=clip_cache(seconds=4), dest=tmp_path / "pkg")


def test_portrait_and_silent_source(tmp_path):
    clip = make_clip(tmp_path / "vertical.mp4", seconds=3, size="360x640", audio=False)
    result = package_build(source=clip, dest=tmp_path / "pkg", preset="ultrafast")
    master = m3u8.load(str(result.directory / "master.m3u8"))
    assert [p.stream_info.resolution for p in master.playlists] == [(360, 640)]
    assert master.media == [] or len(master.media) == 0


def test_command_packages_without_touching_the_catalog(tmp_path, clip_cache, capsys):
    out = tmp_path / "out"
    call_command("media", "package", str(clip_cache(seconds=4)), str(out), "--preset", "ultrafast", "--json")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["directory"] == str(out) and len(summary["renditions"]) == 2
    import av  # a package is read back as HLS; probe() takes deliveries only and refuses playlists

    with av.open(str(out / "v480" / "index.m3u8")) as container:
        assert container.streams.video[0].codec_context.height == 480
    with pytest.raises(CommandError, match="already exists"):
        call_command("media", "package", str(clip_cache(seconds=4)), str(out))


def test_command_runs_from_the_shell(tmp_path, clip_cache):
    done = subprocess.run([sys.executable, "-m", "reelhouse.manage", "media", "package", str(clip_cache(seconds=4)),
                           str(tmp_path / "out"), "--preset", "ultrafast"],
                          capture_output=True, text=True, timeout=300, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    assert "package written to" in done.stdout and (tmp_path / "out" / "master.m3u8").is_file()
