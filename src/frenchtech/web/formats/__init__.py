"""The platform's number formats per language (Django's FORMAT_MODULE_PATH), where they differ from Django's."""
