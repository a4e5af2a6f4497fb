"""Telegram's limits, as plain constants (a test checks them against telegram.constants)."""

MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_MESSAGES_PER_SECOND = 30
MAX_BUTTON_LABEL = 64
LANGUAGES: tuple[str, ...] = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
