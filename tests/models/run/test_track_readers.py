"""Readers of a shared track while another session records a block: they wait for its frame."""

import threading

from models.experiment import QUESTION
from models.run.run import Run, RunStore


def test_a_reader_waits_for_the_frame_of_a_block_another_session_is_still_recording():
    """The trainer's epoch moves before its block's frame is recorded. A playing reader that
    went by the trainer's epoch found no frame to move to and returned at once, having moved
    nowhere, and its loop asked again and again. It now waits for the frame and moves to it."""
    store = RunStore()
    producer, reader = Run(QUESTION, store), Run(QUESTION, store)
    assert producer.track is reader.track
    trained, release = threading.Event(), threading.Event()

    def record_slowly(trainer, epochs):  # trains, then holds the track before its frame is added
        losses = trainer.run(epochs)
        trained.set()
        release.wait()
        return losses  # (the track trains to its first snapshot epoch first, then on to 64)

    training = threading.Thread(target=producer.advance, args=(64, record_slowly))
    training.start()
    try:
        assert trained.wait(60)
        track = reader.track
        assert track.epoch > track.framed == 0  # the window: trained, its frame not yet added
        moved: list[int] = []
        reading = threading.Thread(
            target=lambda: (reader.advance(64, exact=False), moved.append(reader.epoch)))
        reading.start()
        reading.join(0.5)
        assert not moved, "the reader returned while the block's frame was still being recorded"
    finally:
        release.set()
        training.join(60)
    reading.join(60)
    assert moved == [64] and producer.epoch == reader.epoch == 64
    assert reader.frame.epoch == 64
