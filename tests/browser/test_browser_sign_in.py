"""The console's sign-in module (site/admin/auth.js) in Chromium against the local runtime's Cognito (moto):
the demo operator signs in, the token refreshes, sign-out revokes the session; a wrong password, a first
sign-in with a temporary password and a TOTP challenge, as the console page drives them."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import boto3
from browsing import Pages
from playwright.sync_api import Page, expect

from local.console import DEMO_NON_OPERATOR, DEMO_OPERATOR
from local.deploy import REGION

SESSION = "partnerConfirm.console"


def _auth_page(pages: Pages, system: str) -> Page:
    """A page of the site with /config.js and the module loaded, as the console page loads them."""
    page = pages.open(f"{system}/")
    page.add_script_tag(url="/admin/auth.js")
    page.wait_for_function("() => window.PartnerConfirmAuth !== undefined")
    return page


def _cognito(system: str) -> tuple[Any, str, str]:
    with urllib.request.urlopen(f"{system}/_local/outputs", timeout=10) as answer:  # noqa: S310 - loopback
        outputs = json.load(answer)
    client = boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=system,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return client, str(outputs["consoleUserPoolId"]), str(outputs["consoleClientId"])


def _sign_in(page: Page, username: str, password: str) -> Any:
    return page.evaluate(
        """([u, p]) => PartnerConfirmAuth.signIn(u, p).catch(e => ({error: e.code, message: e.message}))""",
        [username, password],
    )


def _stored(page: Page) -> Any:
    return page.evaluate(f"() => JSON.parse(sessionStorage.getItem('{SESSION}'))")


def test_the_demo_operator_signs_in_refreshes_and_signs_out(pages: Pages, system: str) -> None:
    page = _auth_page(pages, system)

    assert _sign_in(page, *DEMO_OPERATOR) == {"state": "signedIn"}
    assert page.evaluate("PartnerConfirmAuth.currentUser()") == {
        "username": DEMO_OPERATOR[0],
        "groups": ["operators"],
    }
    assert page.evaluate("PartnerConfirmAuth.isOperator()") is True
    signed_in = _stored(page)
    assert signed_in["refreshToken"]
    assert page.evaluate("localStorage.length + document.cookie.length") == 0
    first = page.evaluate("PartnerConfirmAuth.accessToken()")
    assert first == signed_in["accessToken"]

    # Less than a minute left: the next token is a refreshed one, and the refresh token stays.
    page.evaluate(
        f"""() => {{ const s = JSON.parse(sessionStorage.getItem('{SESSION}'));
        s.expiresAt = Date.now() + 5000; sessionStorage.setItem('{SESSION}', JSON.stringify(s)); }}"""
    )
    refreshed = page.evaluate("PartnerConfirmAuth.accessToken()")
    assert refreshed
    assert refreshed != first
    assert _stored(page)["refreshToken"] == signed_in["refreshToken"]

    page.evaluate("PartnerConfirmAuth.signOut()")
    assert _stored(page) is None
    assert page.evaluate("PartnerConfirmAuth.accessToken()") is None
    assert page.evaluate("PartnerConfirmAuth.currentUser()") is None
    # The refresh token died with the sign-out: a copy of the old session cannot come back to life.
    page.evaluate(
        f"s => sessionStorage.setItem('{SESSION}', JSON.stringify({{...s, expiresAt: 0}}))", signed_in
    )
    assert page.evaluate("PartnerConfirmAuth.accessToken()") is None
    assert _stored(page) is None


def test_a_signed_in_user_outside_operators_is_told_apart(pages: Pages, system: str) -> None:
    page = _auth_page(pages, system)

    assert _sign_in(page, *DEMO_NON_OPERATOR) == {"state": "signedIn"}
    assert page.evaluate("PartnerConfirmAuth.currentUser().groups") == []
    assert page.evaluate("PartnerConfirmAuth.isOperator()") is False


def test_a_wrong_password_is_refused_in_korean_and_stores_nothing(pages: Pages, system: str) -> None:
    page = _auth_page(pages, system)

    refused = _sign_in(page, DEMO_OPERATOR[0], "not-the-password-1")
    missing = _sign_in(page, "", "")

    assert refused == {"error": "NotAuthorizedException", "message": "이메일 또는 비밀번호가 맞지 않습니다."}
    assert missing["error"] == "INPUT_REQUIRED"
    assert _stored(page) is None


def test_a_first_sign_in_sets_a_new_password(pages: Pages, system: str) -> None:
    client, pool, _ = _cognito(system)
    username = "new-operator@example.com"
    client.admin_create_user(
        UserPoolId=pool, Username=username, TemporaryPassword="Temporary-pass-1", MessageAction="SUPPRESS"
    )
    client.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName="operators")
    page = _auth_page(pages, system)

    assert _sign_in(page, username, "Temporary-pass-1") == {"state": "newPassword"}
    too_short = page.evaluate("PartnerConfirmAuth.setNewPassword('short').catch(e => e.code)")
    assert too_short == "InvalidPasswordException"
    assert page.evaluate("PartnerConfirmAuth.setNewPassword('Chosen-password-1')") == {"state": "signedIn"}
    assert page.evaluate("PartnerConfirmAuth.isOperator()") is True
    assert _sign_in(page, username, "Chosen-password-1") == {"state": "signedIn"}


def test_an_operator_with_a_totp_app_answers_its_code(pages: Pages, system: str) -> None:
    client, pool, app = _cognito(system)
    username = "totp-operator@example.com"
    client.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
    client.admin_set_user_password(
        UserPoolId=pool, Username=username, Password="Totp-operator-1", Permanent=True
    )
    client.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName="operators")
    # The operator set up their app once (the console's first-sign-in step where the pool requires TOTP).
    access = client.initiate_auth(
        ClientId=app,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": "Totp-operator-1"},
    )["AuthenticationResult"]["AccessToken"]
    client.associate_software_token(AccessToken=access)
    client.verify_software_token(AccessToken=access, UserCode="123456")
    client.admin_set_user_mfa_preference(
        UserPoolId=pool, Username=username, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    page = _auth_page(pages, system)

    assert _sign_in(page, username, "Totp-operator-1") == {"state": "mfa"}
    assert page.evaluate("PartnerConfirmAuth.answerMfa('12ab').catch(e => e.code)") == "CODE_FORMAT"
    assert _stored(page) is None
    assert page.evaluate("PartnerConfirmAuth.answerMfa('123 456')") == {"state": "signedIn"}
    assert page.evaluate("PartnerConfirmAuth.currentUser().username") == username


def test_a_first_sign_in_where_totp_is_required_sets_up_the_app(pages: Pages, system: str) -> None:
    client, pool, _ = _cognito(system)
    username = "first-totp@example.com"
    client.admin_create_user(
        UserPoolId=pool, Username=username, TemporaryPassword="Temporary-pass-2", MessageAction="SUPPRESS"
    )
    client.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName="operators")
    # As on a stack with consoleMfa: on (the demo operator, without an app, is not asked while it lasts).
    client.set_user_pool_mfa_config(
        UserPoolId=pool, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    try:
        page = _auth_page(pages, system)
        assert _sign_in(page, username, "Temporary-pass-2") == {"state": "newPassword"}

        setup = page.evaluate("PartnerConfirmAuth.setNewPassword('Chosen-password-2')")

        assert setup["state"] == "mfaSetup"
        assert setup["secret"]
        assert setup["otpauthUri"].startswith("otpauth://totp/")
        assert f"secret={setup['secret']}" in setup["otpauthUri"]
        assert _stored(page) is None
        assert page.evaluate("PartnerConfirmAuth.setUpMfa('654321')") == {"state": "signedIn"}
        assert page.evaluate("PartnerConfirmAuth.currentUser().username") == username
    finally:
        client.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OFF")


def test_the_operator_page_fixture_opens_the_console_signed_in(operator_page: Page) -> None:
    expect(operator_page.locator("#who-name")).to_contain_text(DEMO_OPERATOR[0])
    expect(operator_page.locator("#signin")).to_be_hidden()
    expect(operator_page.locator("#sign-out")).to_be_visible()
