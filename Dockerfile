# quotebot Telegram bot.  Build: docker build -t quotebot .
# Run:   docker run -d --restart unless-stopped -e TELEGRAM_BOT_TOKEN=... -v quotebot-index:/data quotebot
# Own articles: add -v /path/to/articles:/corpus:ro -e QUOTEBOT_CORPUS=/corpus
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY seeds ./seeds
RUN pip install --no-cache-dir . && useradd --create-home quotebot && mkdir /data && chown quotebot /data
USER quotebot
ENV QUOTEBOT_CORPUS=/app/seeds QUOTEBOT_INDEX=/data/index QUOTEBOT_LOG_LEVEL=INFO PYTHONUNBUFFERED=1
# Builds the index on first start (kept in the /data volume), then long-polls Telegram.
# For a webhook instead: CMD ["quotebot", "telegram", "--webhook", "https://bot.example.org/tg", "--listen", "0.0.0.0", "--port", "8443", "--secret-token", "..."]
STOPSIGNAL SIGTERM
CMD ["quotebot", "telegram"]
