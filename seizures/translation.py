"""Vocabulary labels in the six languages (django-modeltranslation): ``label``
reads the active language's column and falls back to English."""

from modeltranslation.translator import TranslationOptions, register

from .models import VOCABULARIES


class LabelTranslation(TranslationOptions):
    fields = ("label",)
    required_languages = ("en",)


for model in VOCABULARIES:
    register(model)(type(f"{model.__name__}Translation", (LabelTranslation,), {}))
