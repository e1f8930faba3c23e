"""Understanding what Mexican customers and staff type: dates, times, services, intents.

Rule-based and deterministic, for the narrow domain of booking a beauty appointment;
`bench/nlu.py` measures it on the development set in `tests/nlu_devset.py`.
"""
