"""The content-adaptive ladder: where its samples are cut, how it picks a CRF from measured points, and real probes
(real x264 encodes scored by ffmpeg's libvmaf) of an easy and a hard tiny clip, then a real package built with it."""

import itertools

import pytest

from reelhouse.media.probe import probe
from reelhouse.media.transcode import adaptive
from reelhouse.media.transcode.adaptive import Point, decide, sample_windows
from reelhouse.media.transcode.ladder import ladder_for
from reelhouse.media.transcode.package import package_build
from tests.media.conftest import ffmpeg_make, x264

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)


def test_samples_of_a_long_source_are_spread_and_start_on_the_gop_grid():
    windows = sample_windows(2700.0)
    assert len(windows) == adaptive.SAMPLE_COUNT
    starts = [start for start, _ in windows]
    assert starts == sorted(starts) and starts[0] > 60 and starts[-1] + adaptive.SAMPLE_S < 2700 - 60
    assert all(start % 2 == 0 and length == adaptive.SAMPLE_S for start, length in windows)
    gaps = {round(b - a) for a, b in itertools.pairwise(starts)}
    assert max(gaps) - min(gaps) <= 2  # evenly spread, give or take the GOP grid


def test_a_short_source_is_its_own_sample():
    assert sample_windows(12.0) == [(0.0, 12.0)]
    with pytest.raises(ValueError, match="duration must be positive"):
        sample_windows(0)


FIXED = Point(crf=None, kbps=3000, vmaf=94.0)


def test_picks_the_crf_where_vmaf_crosses_the_fixed_rungs_interpolated():
    points = [Point(18, 4000, 97.0), Point(23, 2000, 95.0), Point(28, 1000, 92.0), Point(33, 500, 88.0)]
    d = decide(rung="v720", fixed=FIXED, candidates=points, tolerance=0.5)
    # target 93.5 lies half way between CRF 23 (95.0) and 28 (92.0): CRF 25.5, bits 2000 * 0.5 ** 0.5
    assert d.crf == 25.5 and d.expected_vmaf == pytest.approx(93.5)
    assert d.expected_kbps == pytest.approx(2000 * 0.5 ** 0.5) and d.expected_saving == pytest.approx(0.529, abs=0.01)


def test_rounds_the_crf_towards_quality_and_never_past_a_miss():
    points = [Point(18, 2000, 96.0), Point(23, 1500, 93.0), Point(28, 1000, 95.0)]  # 28 "passes" after 23 missed
    d = decide(rung="v720", fixed=FIXED, candidates=points, tolerance=0.5)
    assert 18 < d.crf < 23 and d.crf * 2 == int(d.crf * 2)
    assert d.expected_vmaf >= FIXED.vmaf - 0.5


def test_hard_content_keeps_the_fixed_bitrate():
    starved = [Point(18, 3300, 92.0), Point(23, 3200, 91.0), Point(28, 2500, 88.0), Point(33, 1500, 84.0)]
    d = decide(rung="v1080", fixed=FIXED, candidates=starved)
    assert d.crf is None and d.expected_kbps == FIXED.kbps and "no CRF reached" in d.reason
    barely = [Point(18, 3200, 95.0), Point(23, 2950, 93.8), Point(28, 2500, 91.0)]
    d = decide(rung="v1080", fixed=FIXED, candidates=barely)
    assert d.crf is None and "save under 5%" in d.reason


def test_lower_crfs_are_tried_when_resolution_bounds_the_quality():
    # 540p of a talking head: the fixed 2 Mb/s scores 85.0, CRF 18 scores 84.2 with 350 kb/s (measured)
    flat = [Point(18, 350, 84.2), Point(23, 155, 82.6), Point(28, 89, 78.5), Point(33, 60, 70.8)]
    fixed = Point(None, 2020, 85.0)
    assert decide(rung="v540", fixed=fixed, candidates=flat).crf is None
    assert adaptive.needs_lower_crfs(fixed=fixed, candidates=flat)
    d = decide(rung="v540", fixed=fixed, candidates=[Point(10, 1400, 85.1), Point(14, 700, 84.7), *flat])
    assert 14 <= d.crf < 18 and d.expected_kbps < 700 and d.expected_vmaf >= 84.5
    # hard content: CRF 18 misses and already costs the fixed rate; a lower CRF cannot be cheaper
    assert not adaptive.needs_lower_crfs(fixed=fixed, candidates=[Point(18, 2000, 83.0), Point(23, 1900, 82.0)])


def test_the_setting_and_the_source_length_decide_whether_to_probe(settings):
    settings.REELHOUSE_ADAPTIVE_LADDER = True
    assert adaptive.wanted(adaptive=None, duration_s=2700) is True
    assert adaptive.wanted(adaptive=None, duration_s=30) is False  # the probe would cost more than it saves
    assert adaptive.wanted(adaptive=True, duration_s=30) is True
    settings.REELHOUSE_ADAPTIVE_LADDER = False
    assert adaptive.wanted(adaptive=None, duration_s=2700) is False


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Two 4-s 320x180 clips: a still picture with one slow moving shape (easy) and moving noise (hard)."""
    root = tmp_path_factory.mktemp("adaptive")
    easy = ffmpeg_make(root / "easy.mp4", "-f", "lavfi", "-i",
                       "smptehdbars=size=320x180:rate=25:duration=4,"
                       "drawbox=x='100+30*sin(t)':y=60:w=60:h=80:color=0xd0a080:t=fill", *x264(), "-crf", "8")
    hard = ffmpeg_make(root / "hard.mp4", "-f", "lavfi", "-i",
                       "testsrc2=size=320x180:rate=25:duration=4,noise=alls=30:allf=t+u", *x264(), "-crf", "8")
    return {"easy": easy, "hard": hard}


@pytest.fixture(scope="module")
def probed(clips, tmp_path_factory):
    """The real probe of each clip (x264 ultrafast, as under the test settings)."""
    out = {}
    for name, path in clips.items():
        info = probe(path)
        out[name] = adaptive.ladder_adapt(source=path, info=info, preset="ultrafast",
                                          rungs=ladder_for(info.display_width, info.display_height),
                                          workdir=tmp_path_factory.mktemp("probe") / name)
    return out


def test_easy_content_gets_a_crf_that_keeps_the_fixed_quality_with_fewer_bits(probed):
    plan = probed["easy"]
    [decision] = plan.decisions
    assert [r.crf for r in plan.rungs] == [decision.crf] and decision.crf is not None
    assert decision.expected_vmaf >= decision.fixed.vmaf - adaptive.VMAF_TOLERANCE - 1e-9
    assert decision.expected_kbps < decision.fixed.kbps * (1 - adaptive.MIN_SAVING)
    measured = {p.crf: p for p in decision.candidates}
    assert set(adaptive.CRFS) <= set(measured) and all(0 < p.vmaf <= 100 for p in decision.candidates)
    assert measured[adaptive.CRFS[-1]].kbps < measured[adaptive.CRFS[0]].kbps  # real encodes: more CRF, fewer bits


def test_hard_content_saves_less_than_easy_content(probed):
    easy, hard = probed["easy"].decisions[0], probed["hard"].decisions[0]
    assert hard.fixed.vmaf < easy.fixed.vmaf  # the probe sees the noise
    assert hard.expected_saving < easy.expected_saving
    assert hard.crf is None or hard.crf < easy.crf


def test_a_probe_ffmpeg_cannot_run_says_what_failed(tmp_path):
    with pytest.raises(adaptive.ProbeFailed, match=r"scoring the samples with VMAF failed .*No such file"):
        adaptive.vmaf_scores(reference=tmp_path / "missing.mkv", encodes=[tmp_path / "missing2.mkv"], size=(320, 180))


def test_package_built_with_the_adaptive_ladder_is_encoded_at_the_chosen_crf(tmp_path, clips):
    result = package_build(source=clips["easy"], dest=tmp_path / "pkg", preset="ultrafast", adaptive=True,
                           trickplay=False, downloads=False)
    [chosen] = result.ladder
    assert chosen["crf"] is not None and chosen["expected_kbps"] < chosen["fixed_kbps"]
    rung = result.directory / result.renditions[0]["name"]
    first = next(rung.glob("init*.mp4")).read_bytes() + sorted(rung.glob("seg_*.m4s"))[0].read_bytes()
    # x264 writes its settings into the stream: the rung really ran in CRF mode, capped by the rung's maxrate
    assert b"rc=crf" in first and f"crf={chosen['crf']:.1f}".encode() in first
    assert b"vbv_maxrate=" in first
    assert not result.warnings
