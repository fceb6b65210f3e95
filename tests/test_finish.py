"""Small finishing items: the login page's words agree, logging out says so, the report e-mail's first
sentence, the demo's final box, and the licence."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.personas import CLIENT_PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def test_the_login_error_names_what_the_form_asks_for(client, client_a_user):
    response = client.post("/login/", {"username": client_a_user.username, "password": "wrong"})
    body = response.content.decode()
    assert ">Username</label>" in body
    assert "Your username and password didn't match." in body
    assert "e-mail/username" not in body


def test_logging_out_says_so_on_the_login_page(client, client_a_user):
    assert client.login(username=client_a_user.username, password=CLIENT_PASSWORD) is not None
    client.force_login(client_a_user)
    response = client.post("/logout/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/")
    assert "You are logged out." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logging_out_says_so_in_german(client, client_a_user):
    client.force_login(client_a_user)
    response = client.post("/logout/", follow=True, HTTP_ACCEPT_LANGUAGE="de")
    assert "Sie sind abgemeldet." in response.content.decode()


def test_the_report_e_mail_starts_with_a_capital_after_the_greeting():
    from django.template.loader import render_to_string
    from django.utils import translation

    context = {"client_name": "Acme Corp", "agency_name": "Northpeak", "sender_name": "", "kpis": [],
               "file_name": "r.pdf", "charts_drawn": True}  # fmt: skip
    with translation.override("en"):
        text = render_to_string("delivery/emails/report.txt", context)
    assert text.startswith("Hello,\n\nHere is the website report for Acme Corp")
    with translation.override("de"):
        text = render_to_string("delivery/emails/report.txt", context)
    assert text.startswith("Guten Tag,\n\nhier ist der Website-Bericht für Acme Corp")  # German goes on small


def test_the_demos_final_box_shows_both_logins():
    import demo
    from clients.management.commands import demo_setup

    box = demo.final_box(port=8000, password="s3cret", sites=60, fake_url="http://127.0.0.1:8765")
    assert "http://127.0.0.1:8000/" in box
    assert "admin  with the password  s3cret" in box
    assert demo_setup.CLIENT_LOGIN in box and demo.CLIENT_LOGIN == demo_setup.CLIENT_LOGIN
    assert demo_setup.DEMO_CLIENTS[0][0] == demo.CLIENT_NAME  # the client the client login sees


def test_the_readme_lists_every_demo_option():
    import argparse
    from unittest import mock

    import demo

    seen: list[str] = []
    real = argparse.ArgumentParser.add_argument

    def record(self, *names, **kwargs):  # type: ignore[no-untyped-def]
        seen.extend(name for name in names if name.startswith("--") and name != "--help")
        return real(self, *names, **kwargs)

    with (
        mock.patch.object(argparse.ArgumentParser, "add_argument", record),
        mock.patch.object(argparse.ArgumentParser, "parse_args", side_effect=SystemExit(0)),
        mock.patch.object(demo, "ensure_venv"),
        pytest.raises(SystemExit),
    ):
        demo.main()
    readme = (ROOT / "README.md").read_text()
    assert {"--port", "--fake-port", "--sites", "--days", "--seed", "--fresh"} <= set(seen)
    for option in seen:
        assert f"`{option}`" in readme, option


def test_the_project_has_an_mit_licence_named_in_pyproject():
    licence = (ROOT / "LICENSE").read_text()
    assert licence.startswith("MIT License\n") and "Permission is hereby granted, free of charge" in licence
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
