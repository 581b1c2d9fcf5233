import numpy as np
import pytest
from sklearn.base import clone

from winnow.config import ModelConfig
from winnow.features import SIGNAL_NAMES, TextSignals, build_features, text_signals
from winnow.normalize import normalize_text


def test_signals_count_links_money_and_contacts_however_written():
    plain = text_signals(normalize_text("Nice piece, thanks."))
    spammy = text_signals(
        normalize_text("Earn $500 a day!!! cashnow.com, www.pay-me.net, call +1 555 010 9999")
    )
    named = dict(zip(SIGNAL_NAMES, spammy, strict=True))
    assert named["links"] == pytest.approx(np.log1p(2))
    assert named["money"] == pytest.approx(np.log1p(2))
    assert named["contacts"] == pytest.approx(np.log1p(1))
    assert named["exclamations"] == pytest.approx(0.3)
    assert dict(zip(SIGNAL_NAMES, plain, strict=True))["links"] == 0.0


def test_text_signals_learns_its_scale_on_fit_only():
    signals = TextSignals()
    assert clone(signals).get_params() == {}
    fitted = signals.fit(["a short one", "a much longer comment " * 5, "visit zzurl"])
    assert fitted is signals
    rows = signals.transform(["a short one", "x" * 500]).toarray()
    assert rows.shape == (2, len(SIGNAL_NAMES))
    assert rows[1, 0] > rows[0, 0]
    assert signals.transform([]).shape == (0, len(SIGNAL_NAMES))


def test_a_constant_signal_does_not_divide_by_zero():
    rows = TextSignals().fit(["same", "same"]).transform(["same", "other text"]).toarray()
    assert np.isfinite(rows).all()


def test_signals_can_be_switched_off_for_comparison():
    on = [name for name, _ in build_features(ModelConfig(signals=True)).transformer_list]
    off = [name for name, _ in build_features(ModelConfig()).transformer_list]
    assert on == ["words", "chars", "signals"]
    assert off == ["words", "chars"]
