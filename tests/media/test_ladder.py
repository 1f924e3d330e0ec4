"""The ladder follows Apple's rungs, adapts to the source's shape and never upscales."""

import pytest

from reelhouse.media.transcode.ladder import kbps_for, ladder_for

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)


@pytest.mark.parametrize("size, expected", [
    ((1920, 1080), [("v1080", 1920, 1080), ("v720", 1280, 720), ("v540", 960, 540), ("v360", 640, 360)]),
    ((1918, 1078), [("v1080", 1918, 1078), ("v720", 1280, 720), ("v540", 960, 540), ("v360", 640, 360)]),
    ((1280, 720), [("v720", 1280, 720), ("v540", 960, 540), ("v360", 640, 360)]),
    ((854, 480), [("v480", 854, 480), ("v360", 640, 360)]),
    ((1440, 1080), [("v1080", 1440, 1080), ("v720", 960, 720), ("v540", 720, 540), ("v360", 480, 360)]),  # 4:3
    ((1920, 804), [("v1080", 1920, 804), ("v720", 1280, 536), ("v540", 960, 402), ("v360", 640, 268)]),  # 2.39:1
    ((1080, 1920), [("v1080", 1080, 1920), ("v720", 720, 1280), ("v540", 540, 960), ("v360", 360, 640)]),  # vertical
    ((3840, 2160), [("v1080", 1920, 1080), ("v720", 1280, 720), ("v540", 960, 540), ("v360", 640, 360)]),
    ((320, 240), [("v240", 320, 240)]),
])
def test_ladder_shape(size, expected):
    assert [(r.name, r.width, r.height) for r in ladder_for(*size)] == expected


@pytest.mark.parametrize("size", [(1920, 1080), (1918, 1078), (854, 480), (1080, 1920), (321, 181), (99, 55)])
def test_never_upscaled_and_even(size):
    for rung in ladder_for(*size):
        assert rung.width <= size[0] and rung.height <= size[1]
        assert rung.width % 2 == 0 and rung.height % 2 == 0


def test_bitrates_follow_apple_and_fall_with_size():
    assert [kbps_for(h) for h in (1080, 720, 540, 360)] == [6000, 3000, 2000, 730]
    rates = [r.video_kbps for r in ladder_for(1920, 1080)]
    assert rates == sorted(rates, reverse=True)
    assert 730 < kbps_for(480) < 2000


def test_nonsense_size_is_refused():
    with pytest.raises(ValueError, match="display size must be positive"):
        ladder_for(0, 1080)
