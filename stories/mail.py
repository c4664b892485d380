"""The receipt email: the private link and what was agreed, sent when MAIL_SERVER is set."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

log = logging.getLogger(__name__)


def send_receipt(config, to_address: str, private_link: str, receipt: list[tuple[str, str]], received_at: str) -> bool:
    """Send it now (the link is a secret, so it never goes through a job queue). True when sent."""
    if not config.get("MAIL_SERVER"):
        return False
    message = EmailMessage()
    message["Subject"] = "Your story: your private link and consent receipt"
    message["From"] = config["MAIL_FROM"]
    message["To"] = to_address
    lines = [
        "Thank you for sharing your story.",
        "",
        "Your private link lets you see your story, change what you agreed to, or withdraw it at any time:",
        private_link,
        "",
        "Keep this email safe: anyone with the link can see your story.",
        "",
        f"What you agreed to on {received_at}:",
        *[f"- {label}: {answer}" for label, answer in receipt],
        "",
        f"If you need to talk to someone, call {config['HELPLINE_NAME']} on {config['HELPLINE_PHONE']}, "
        "or Samaritans free on 116 123, any time.",
    ]
    message.set_content("\n".join(lines))
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
        return True
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("receipt email not sent: %s", type(exc).__name__)
        return False
