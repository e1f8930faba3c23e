"""Real Spanish words (and names) that look like a misspelt time word: the typo fixer must
leave them alone ("tarea" is no "tarde", "Juanito" no "junio", "manzana" no "mañana").

The list is `known_words.txt` beside this file: every word of wordfreq's Spanish list
used about once in 3 million words or more (Zipf ≥ 2.5), accents dropped, that the fixer would
otherwise turn into one of its time words. It is generated, not written by hand:

    pip install wordfreq && python -m yume.nlu.known_words

wordfreq is only needed to regenerate the list (after a change to the fixer's vocabulary
or cut-offs); Yume itself reads the few hundred words of the text file.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

LIST = Path(__file__).with_name("known_words.txt")
MIN_ZIPF = 2.5  # about once in 3 million words: a word; rarer forms are mostly typos


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    return frozenset(LIST.read_text(encoding="utf-8").split())


def generate() -> list[str]:
    """The words of wordfreq's Spanish list the fixer would change (needs wordfreq)."""
    from wordfreq import iter_wordlist, zipf_frequency

    from yume.nlu.text import VOCABULARY, strip_accents, typo_match

    found: set[str] = set()
    for word in iter_wordlist("es", wordlist="best"):
        if zipf_frequency(word, "es", wordlist="best") < MIN_ZIPF:
            break  # the list is ordered by frequency
        plain = strip_accents(word.lower())
        if plain.isalpha() and plain not in VOCABULARY and typo_match(plain) is not None:
            found.add(plain)
    return sorted(found)


def main() -> None:
    words = generate()
    LIST.write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} words → {LIST.name}")


if __name__ == "__main__":
    main()
