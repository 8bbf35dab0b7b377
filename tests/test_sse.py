from hypothesis import given
from hypothesis import strategies as st

from agentloop._sse import ServerSentEvent, SSEDecoder


def decode(*chunks: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events = [e for chunk in chunks for e in decoder.feed(chunk)]
    return events + decoder.flush()


def test_decodes_named_events_with_data():
    body = b'event: ping\ndata: {"type": "ping"}\n\nevent: message_stop\ndata: {}\n\n'
    assert decode(body) == [
        ServerSentEvent("ping", '{"type": "ping"}'),
        ServerSentEvent("message_stop", "{}"),
    ]


def test_event_without_name_is_message():
    assert decode(b"data: x\n\n") == [ServerSentEvent("message", "x")]


def test_crlf_and_cr_line_endings():
    assert decode(b"event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\r") == [
        ServerSentEvent("a", "1"),
        ServerSentEvent("b", "2"),
    ]


def test_crlf_split_between_reads_is_one_line_ending():
    assert decode(b"event: a\r", b"\ndata: 1\r", b"\n\r", b"\n") == [ServerSentEvent("a", "1")]


def test_comments_and_unknown_fields_are_ignored():
    assert decode(b": keepalive\nid: 7\nretry: 10\nfoo: bar\ndata: x\n\n") == [
        ServerSentEvent("message", "x")
    ]


def test_multiline_data_is_joined_with_newlines():
    assert decode(b"data: a\ndata: b\n\n") == [ServerSentEvent("message", "a\nb")]


def test_padded_data_keeps_trailing_spaces_for_the_json_parser():
    assert decode(b'data: {"a": 1}   \n\n') == [ServerSentEvent("message", '{"a": 1}   ')]


def test_only_one_space_after_the_colon_is_stripped():
    assert decode(b"data:  x\n\ndata:y\n\n") == [
        ServerSentEvent("message", " x"),
        ServerSentEvent("message", "y"),
    ]


def test_utf8_split_inside_a_character():
    body = 'data: "h\u00e9llo \u2603"\n\n'.encode()
    cut = body.index("\u2603".encode()) + 1
    assert decode(body[:cut], body[cut:]) == [ServerSentEvent("message", '"h\u00e9llo \u2603"')]


def test_event_without_blank_line_at_a_clean_end_is_dispatched():
    assert decode(b"data: x\n") == [ServerSentEvent("message", "x")]
    assert decode(b"event: e\ndata: x") == [ServerSentEvent("e", "x")]
    assert decode(b"event: e\n") == []  # no data: nothing to dispatch


STREAM = (
    b"event: message_start\r\ndata: {}\r\n\r\n: comment\n"
    b'event: content_block_delta\ndata: {"t": "\xc3\xa9"}   \n\n'
    b"event: ping\rdata: {}\r\r"
    b"data: a\ndata: b\n\n"
)


@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=20))
def test_any_chunking_gives_the_same_events(cuts: list[int]):
    points = sorted(set(cuts))
    chunks = [STREAM[a:b] for a, b in zip([0, *points], [*points, len(STREAM)], strict=True)]
    assert decode(*chunks) == decode(STREAM)
