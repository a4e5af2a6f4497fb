"""Telegram's limits, as plain constants (a test checks them against telegram.constants)."""

MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_MESSAGES_PER_SECOND = 30
MAX_BUTTON_LABEL = 64
LANGUAGES: tuple[str, ...] = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
# Content ids (topics, flows, steps, alert categories and templates) travel in
# callback data: "1|b:tpl:" plus 32 characters stays well under 64 bytes.
MAX_ID_CHARS = 32
