import re
import unicodedata

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class PasswordHistoryValidator:
    """Refuses any of the user's last ``history`` passwords, the current one included."""

    def __init__(self, history: int = 5):
        self.history = history

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        recent = user.password_history.values_list("password", flat=True)[: self.history]
        if any(check_password(password, old) for old in recent):
            raise ValidationError(self.get_error_message(), code="password_reused")

    def get_error_message(self):
        return ngettext(
            "You may not reuse your last password.",
            "You may not reuse any of your last %(count)d passwords.",
            self.history,
        ) % {"count": self.history}

    def get_help_text(self):
        return self.get_error_message()


# --- Guessable passwords -------------------------------------------------------------

# Words anyone would try first against this site: the organisation, the system
# and "customs", in the six languages of the interface.
SITE_WORDS = (
    "wco", "omd", "oma", "cen",
    "customs", "douane", "douanes", "aduana", "aduanas", "alfandega", "alfandegas",
    "таможня", "таможни", "جمارك", "الجمارك",
)  # fmt: skip
# Digits read as the letters they stand for ("Cust0ms"), before digits are dropped.
LOOKALIKES = str.maketrans("013457@$", "oieastas")


def _letters(text: str) -> str:
    """Only the letters, lower case and without accents: "Alfândega-2026" → "alfandega"."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(character for character in folded if character.isalpha())


def _administration_words(administration) -> set[str]:
    """The administration's name and its country (code and name in every language of
    the interface), whole and word by word."""
    names = [administration.name]
    if administration.country:
        names.append(administration.country.code)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                names.append(str(administration.country.name))
    words = set()
    for name in names:
        words.add(_letters(name))
        words.update(_letters(word) for word in re.split(r"[\W\d_]+", name) if len(word) >= 3)
    return words


class RepetitionValidator:
    """Refuses a character repeated more than ``max_run`` times in a row
    ("aaaaaaaaaaaa") and a short sequence repeated ("abcabcabcabc")."""

    def __init__(self, max_run: int = 3):
        self.max_run = max_run

    def validate(self, password, user=None):
        folded = password.casefold()
        run = re.search(rf"(.)\1{{{self.max_run},}}", folded, flags=re.DOTALL)
        if run or re.fullmatch(r"(.+?)\1+", folded, flags=re.DOTALL):
            raise ValidationError(self.get_error_message(), code="password_repetitive")

    def get_error_message(self):
        return _("This password repeats a character or a short sequence.")

    def get_help_text(self):
        return _("Your password cannot repeat a character or a short sequence.")


class ContextWordsValidator:
    """Refuses a password made of words anyone could guess here — WCO, CEN,
    customs, the user's administration's name and country — digits and
    punctuation, with fewer than ``min_other_letters`` letters of its own.

    Compared on letters only, case- and accent-insensitively, digits also read
    as lookalike letters; so "WCO-CEN-customs-2026" and "FrenchCustoms!" are
    refused, while "Demo-Customs-2026" keeps four letters of its own."""

    def __init__(self, min_other_letters: int = 4):
        self.min_other_letters = min_other_letters

    def context_words(self, user=None) -> set[str]:
        words = set(SITE_WORDS)
        if user is not None and getattr(user, "administration_id", None):
            words |= _administration_words(user.administration)
        return {word for word in words if word}

    def letters_of_its_own(self, password: str, words: set[str]) -> str:
        # Country codes count as whole words only ("fr-2026"), or every "fr" in
        # "Frozen lake" would go too; longer words go wherever they are, the
        # longest first, so that "frenchcustoms" goes before "french".
        tokens = [_letters(token) for token in re.split(r"[\W\d_]+", password)]
        letters = "".join(token for token in tokens if len(token) > 2 or token not in words)
        for word in sorted((word for word in words if len(word) > 2), key=len, reverse=True):
            letters = letters.replace(word, "")
        return letters

    def validate(self, password, user=None):
        words = self.context_words(user)
        password = unicodedata.normalize("NFC", password)
        for variant in (password, password.translate(LOOKALIKES)):
            if len(self.letters_of_its_own(variant, words)) < self.min_other_letters:
                raise ValidationError(self.get_error_message(), code="password_guessable")

    def get_error_message(self):
        return _(
            "This password is made of words anyone could guess here (WCO, CEN, customs, "
            "your administration's name or country), digits and punctuation. "
            "Add words of your own."
        )

    def get_help_text(self):
        return _(
            "Your password needs words of your own besides WCO, CEN, customs and your "
            "administration's name or country."
        )
