"""What the server tells pages (Channel) and which outputs really changed (Outputs)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from publish.serve_events import Channel, Outputs


def test_outputs_report_content_changes_not_rewrites(tmp_path: Path) -> None:
    (tmp_path / "default").mkdir()
    page, css = tmp_path / "default" / "a.html", tmp_path / "default" / "site.css"
    page.write_text("one")
    css.write_text("body{}")
    (tmp_path / ".publish").mkdir()
    outputs = Outputs(tmp_path)
    assert outputs.changed() == ([], False)
    css.write_text("body{}")  # rewritten, same bytes (as a brand's assets are with every render)
    os.utime(css, ns=(1, 1))
    page.write_text("two")
    (tmp_path / ".publish" / "state.json").write_text("{}")  # records are never served
    assert outputs.changed() == (["/default/a.html"], False)
    (tmp_path / "default" / "b.pdf").write_bytes(b"%PDF")
    assert outputs.changed() == (["/default/b.pdf"], True)
    page.unlink()
    assert outputs.changed() == (["/default/a.html"], True)


def test_channel_numbers_events_and_keeps_the_latest_status() -> None:
    channel = Channel(keep=3, server="s1")
    seq, status = channel.current()
    assert seq == 0 and json.loads(status)["ok"] is True
    channel.publish("status", {"ok": False, "errors": ["x: error: y"]})
    channel.publish("changed", {"files": ["/a.html"]})
    events = channel.since(0, timeout=0)
    assert [(s, k) for s, k, _ in events] == [(1, "status"), (2, "changed")]
    assert json.loads(channel.current()[1]) == {"ok": False, "errors": ["x: error: y"], "server": "s1"}
    for i in range(5):
        channel.publish("changed", {"files": [str(i)]})
    assert [s for s, _k, _d in channel.since(0, timeout=0)] == [5, 6, 7]  # bounded
    frame = Channel.frame(7, "changed", '{"a": 1}')
    assert frame == b'id: 7\nevent: changed\ndata: {"a": 1}\n\n'


def test_channel_wakes_a_waiting_reader() -> None:
    channel = Channel()
    threading.Timer(0.05, channel.publish, args=("changed", {"files": []})).start()
    assert [k for _s, k, _d in channel.since(0, timeout=2)] == ["changed"]
    threading.Timer(0.05, channel.close).start()
    assert channel.since(1, timeout=2) == [] and channel.closed
