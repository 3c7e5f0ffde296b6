from __future__ import annotations

from pathlib import Path

import pytest

from services.mail import (
    LocalMailer,
    MailError,
    Message,
    SmtpMailer,
    analysis_failed_message,
    email_change_message,
    embed_confirmation_message,
    make_mailer,
    results_ready_message,
    sign_in_code_message,
)
from services.settings import PoserSettings
from tests.services.conftest import SMTP_PASSWORD, SMTP_USER, SmtpServer, free_port

pytestmark = pytest.mark.usefixtures("clean_settings_env")

TO = "skier@example.com"
FROM = "Poser <noreply@poser.test>"

MESSAGES = {
    "sign_in_code": (sign_in_code_message(TO, "042917"), "Your Poser sign-in code: 042917", "042917"),
    "email_change": (
        email_change_message(TO, "http://localhost:8501/confirm-email?token=tok-123"),
        "Confirm your new Poser email address",
        "token=tok-123",
    ),
    "embed_confirmation": (
        embed_confirmation_message(TO, "http://localhost:8000/api/embed/confirm?token=emb-9", partner_name="Ski Club"),
        "Confirm your Poser analysis",
        "token=emb-9",
    ),
    "results_ready": (
        results_ready_message(TO, "http://localhost:8501/results?token=res-7", clip_name="run1.mp4"),
        "Your Poser results are ready",
        "token=res-7",
    ),
    "analysis_failed": (
        analysis_failed_message(TO, "No skier was found in the box you drew.", url="http://localhost:8501/a/1"),
        "Your Poser analysis failed",
        "No skier was found in the box you drew.",
    ),
}


def test_sign_in_code_message_says_code_and_expiry() -> None:
    msg = sign_in_code_message(TO, "123456")
    assert "123456" in msg.text and "10 minutes" in msg.text
    assert msg.html is not None and "123456" in msg.html and "10 minutes" in msg.html
    for bad in ("12345", "1234567", "12a456"):
        with pytest.raises(ValueError, match="6 digits"):
            sign_in_code_message(TO, bad)


def test_html_alternative_escapes_user_text() -> None:
    msg = analysis_failed_message(TO, "<script>x</script> & more", clip_name="<b>.mp4")
    assert msg.html is not None
    assert "<script>" not in msg.html and "&lt;script&gt;" in msg.html
    assert "<script>x</script> & more" in msg.text


def test_local_mailer_appends_to_mail_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mailer = LocalMailer(tmp_path / "data", from_addr=FROM)
    mailer.send(sign_in_code_message(TO, "654321"))
    mailer.send(results_ready_message("coach@example.com", "http://localhost:8501/r/1"))
    log = (tmp_path / "data" / "mail.log").read_text()
    assert "To: skier@example.com" in log and "Your Poser sign-in code is 654321" in log
    assert "To: coach@example.com" in log and "http://localhost:8501/r/1" in log
    assert log.index("654321") < log.index("coach@example.com")  # appended in order
    assert "654321" in capsys.readouterr().out


@pytest.mark.parametrize("kind", sorted(MESSAGES))
def test_smtp_mailer_delivers_each_message(smtp_server: SmtpServer, kind: str) -> None:
    message, subject, needle = MESSAGES[kind]
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, starttls=False, from_addr=FROM)
    mailer.send(message)
    [(mail_from, rcpt_tos, received)] = smtp_server.received
    assert mail_from == "noreply@poser.test"
    assert rcpt_tos == [TO]
    assert received["To"] == TO and received["Subject"] == subject
    assert received.get_content_type() == "multipart/alternative"
    text = received.get_body(("plain",))
    html = received.get_body(("html",))
    assert text is not None and needle in text.get_content()
    assert html is not None and "<html>" in html.get_content()


def test_smtp_mailer_logs_in(smtp_server: SmtpServer) -> None:
    good = SmtpMailer(smtp_server.host, smtp_server.port, user=SMTP_USER, password=SMTP_PASSWORD, starttls=False)
    good.send(sign_in_code_message(TO, "222222"))
    assert len(smtp_server.received) == 1
    bad = SmtpMailer(smtp_server.host, smtp_server.port, user=SMTP_USER, password="wrong", starttls=False)
    with pytest.raises(MailError, match=f"{smtp_server.host}:{smtp_server.port}"):
        bad.send(sign_in_code_message(TO, "333333"))
    assert len(smtp_server.received) == 1


def test_unreachable_smtp_server_raises_mail_error() -> None:
    port = free_port()  # nothing listens there
    mailer = SmtpMailer("127.0.0.1", port, starttls=False, timeout_s=2)
    with pytest.raises(MailError, match=f"127.0.0.1:{port}"):
        mailer.send(Message(to=TO, subject="s", text="t"))


def test_starttls_required_but_not_offered_raises_mail_error(smtp_server: SmtpServer) -> None:
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, starttls=True)
    with pytest.raises(MailError, match=f"{smtp_server.host}:{smtp_server.port}"):
        mailer.send(sign_in_code_message(TO, "111111"))
    assert smtp_server.received == []


def test_make_mailer(tmp_path: Path) -> None:
    local = make_mailer(PoserSettings(_env_file=None, data_dir=tmp_path))
    assert isinstance(local, LocalMailer) and local.log_path == tmp_path / "mail.log"
    smtp = make_mailer(
        PoserSettings(
            _env_file=None,
            mail="smtp",
            smtp_host="mail.example.com",
            smtp_port=2525,
            smtp_user="u",
            smtp_password="p",
            smtp_starttls=False,
            mail_from=FROM,
        )
    )
    assert isinstance(smtp, SmtpMailer)
    assert (smtp.host, smtp.port, smtp.user, smtp.password, smtp.starttls, smtp.from_addr) == (
        "mail.example.com",
        2525,
        "u",
        "p",
        False,
        FROM,
    )
