from tests.conftest import events, make_workshop, op, phone


def test_propose_reaches_everyone(app):
    ws = make_workshop()
    a = phone(app, ws, "Ada")
    b = phone(app, ws, "Bob")
    a.get_received("/live")
    b.get_received("/live")
    ack = a.emit(
        "propose_item",
        {"op_id": op(), "kind": "idea", "text": "Open a desk in Singapore"},
        namespace="/live",
        callback=True,
    )
    assert ack["ok"], ack
    got = events(b, "item_changed")
    assert got and got[0]["item"]["text"] == "Open a desk in Singapore"
