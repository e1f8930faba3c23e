from yume.models import Message, utcnow
from yume.notifications import notify_owner


def test_it_alerts_the_owner_with_a_template_that_reads_well(cast):
    notify_owner(cast.org, "Ana pidió hablar con una persona.\nDice: urgente.", utcnow())
    alert = Message.get(Message.kind == "template")
    assert alert.payload["name"] == "yume_aviso_dueno"
    assert "\n" not in alert.payload["values"][1]
    assert ".." not in alert.text and alert.text.endswith("Revisa la conversación cuando puedas.")
    assert alert.conversation.phone == cast.owner.phone
