"""Configuration from environment variables and a `.env` file, named exactly as SPEC.md §5."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can set. Secrets are `SecretStr`, so they never print."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field(default="https://api.telegram.org", alias="TELEGRAM_API_URL")
    telegram_webhook_url: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = Field(default=None,
                                                      alias="TELEGRAM_WEBHOOK_SECRET")
    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    slack_client_id: str | None = Field(default=None, alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(default=None, alias="SLACK_CLIENT_SECRET")
    port: int = Field(default=8080, alias="PORT")
    metrics_port: int | None = Field(default=None, alias="METRICS_PORT")
    public_url: str | None = Field(default=None, alias="PUBLIC_URL")
    log_format: str = Field(default="text", alias="LOG_FORMAT")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    tick_seconds: int = Field(default=60, ge=1, le=3600, alias="AFTERVIEW_TICK_SECONDS")

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token and self.telegram_bot_token.get_secret_value())

    @property
    def slack_oauth(self) -> bool:
        """Many workspaces: Slack's OAuth install flow, a token per workspace."""
        return bool(self.slack_client_id and self.slack_client_secret
                    and self.slack_client_secret.get_secret_value())

    @property
    def slack_enabled(self) -> bool:
        token = bool(self.slack_bot_token and self.slack_bot_token.get_secret_value())
        return bool((token or self.slack_oauth) and self.slack_signing_secret
                    and self.slack_signing_secret.get_secret_value())

    @property
    def slack_socket_mode(self) -> bool:
        return bool(self.slack_app_token and self.slack_app_token.get_secret_value())
