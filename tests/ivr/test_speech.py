"""The offline recogniser hears words made with espeak-ng, and rejects silence and noise."""

from __future__ import annotations

import array
import random
import shutil
from importlib.util import find_spec

import pytest
from ivr_helpers import Call, example

from centralita.core.ivr import commands as cmd
from centralita.core.ivr.events import SpeechRecognized
from centralita.speech import PocketsphinxRecognizer, SpeechError, VoskRecognizer
from centralita.tts import PromptCache, read_wav
from support import require

WORDS = ["one", "two", "three"]


@pytest.fixture(scope="module")
def recognizer():
    require(find_spec("pocketsphinx") is not None, "pocketsphinx is not installed")
    return PocketsphinxRecognizer()


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    """8 kHz telephone-format audio of a word, said by espeak-ng's American voice."""
    require(shutil.which("espeak-ng") is not None, "espeak-ng is not installed")
    cache = PromptCache(tmp_path_factory.mktemp("speech"))

    def say(word: str) -> bytes:
        pcm, rate = read_wav(cache.prompt(word, language="en", sample_rate=8000))
        assert rate == 8000
        return pcm

    return say


@pytest.mark.parametrize("word", WORDS)
def test_the_recogniser_picks_the_word_said_among_the_menus_words(recognizer, spoken, word):
    text, confidence = recognizer.recognize(spoken(word), 8000, WORDS)
    assert text == word
    assert confidence >= 0.5


@pytest.mark.parametrize("word", ["four", "nine", "seven", "hello"])
def test_a_word_outside_a_digit_menu_is_not_taken_for_one_of_its_words(recognizer, spoken, word):
    text, confidence = recognizer.recognize(spoken(word), 8000, WORDS)
    assert confidence < 0.5, text


def test_silence_and_noise_give_low_confidence(recognizer):
    rnd = random.Random(7)
    noise = array.array("h", (int(rnd.gauss(0, 4000)) for _ in range(8000))).tobytes()
    for audio in (bytes(16000), noise):
        text, confidence = recognizer.recognize(audio, 8000, WORDS)
        assert confidence < 0.2, text


def test_words_the_english_model_does_not_know_are_left_out(recognizer, spoken):
    assert recognizer.recognize(spoken("one"), 8000, ["uno", "dos"]) == ("", 0.0)
    text, _ = recognizer.recognize(spoken("two"), 8000, ["uno", "two"])
    assert text == "two"


def test_16khz_audio_is_heard_as_is(recognizer, tmp_path):
    require(shutil.which("espeak-ng") is not None, "espeak-ng is not installed")
    pcm, rate = read_wav(PromptCache(tmp_path).prompt("three", language="en", sample_rate=16000))
    assert recognizer.recognize(pcm, rate, WORDS)[0] == "three"


def test_a_caller_who_says_one_reaches_the_same_menu_branch_as_pressing_1(recognizer, spoken):
    flow = example("card-en.yaml")
    pressed = Call(flow, number="+12125550100", input="voice")
    pressed.played()
    pressed.press("1")
    talker = Call(flow, number="+12125550100", input="voice")
    talker.played()
    menu = talker.pending()
    assert isinstance(menu, cmd.Collect) and "one" in menu.words
    text, confidence = recognizer.recognize(spoken("one"), 8000, menu.words)
    talker.send(SpeechRecognized(text, confidence))
    assert talker.visited() == pressed.visited()
    assert talker.visited()[-1] == "card_number"


def test_vosk_needs_its_package_and_a_model_directory(tmp_path):
    with pytest.raises(SpeechError) as caught:
        VoskRecognizer(tmp_path / "no-model")
    assert caught.value.code == "speech-unavailable"
