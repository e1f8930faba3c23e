"""Brains: what Yume says. `yume.brain.load_brain` picks one per turn.

- `guided`: a deterministic conversation engine with WhatsApp lists and buttons that also
  understands free Mexican Spanish (through `yume.nlu`); no keys needed. Its flows live in
  `booking_flow` (book, reschedule), `appointments_flow` (my appointments, cancel),
  `info` (hours, address, prices, a person) and `staff_flow` (agenda, walk-in, customer
  look-up, blocked time); its state in `state`, kept in `Conversation.state`.
"""
