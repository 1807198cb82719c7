"""syncore.redaction: credentials masked in every log record of every logger (issue 11 item 6)."""

from __future__ import annotations

import io
import logging

import pytest

from syncore import redaction


@pytest.fixture
def stream_handler():
    """A handler on the root logger at DEBUG, as ``logging.basicConfig(level=DEBUG)`` would add."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


@pytest.mark.parametrize(("line", "secret"), [
    # requests_oauthlib.oauth2_session, on every request (the leak)
    ("Adding token {'access_token': 'at-5c9a1f0e7d', 'token_type': 'Bearer'} to request.", "at-5c9a1f0e7d"),
    ("Adding token {'access_token': 'at-5c9a1f0e7d', 'refresh_token': 'rt-0b8e3d6c2a'} to request.",
     "rt-0b8e3d6c2a"),
    # exchangelib.util's request headers
    ("Request headers: {'Content-Type': 'text/xml', 'Authorization': 'Basic b3duZXI6cGFzc3dvcmQ='}",
     "b3duZXI6cGFzc3dvcmQ="),
    ("Authorization: Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.sig", "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9"),
    # a form body (oauthlib, a token request) and a token response (JSON)
    ("body: grant_type=password&client_id=3MVG9&client_secret=cs-77aa&username=me&password=pw-99bb", "cs-77aa"),
    ("body: grant_type=password&client_id=3MVG9&client_secret=cs-77aa&username=me&password=pw-99bb", "pw-99bb"),
    ('{"access_token":"00Dxx!AQ-tok-1","instance_url":"https://acme.my.salesforce.com"}', "00Dxx!AQ-tok-1"),
    ("grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=eyJhbGciOi.eyJpc3Mi.c2ln", "eyJpc3Mi"),
    # a SOAP login request and answer
    ("<n1:password>pw-99bbTOKEN123</n1:password>", "pw-99bbTOKEN123"),
    ("<sessionId>00Dxx!AQ-sess-2</sessionId>", "00Dxx!AQ-sess-2"),
])
def test_credential_shaped_values_are_masked_without_registration(line, secret):
    assert secret in line
    masked = redaction.redact(line)
    assert secret not in masked and redaction.MASK in masked


def test_ordinary_text_and_code_stay_readable():
    for text in ("password login needs the user's security_token",
                 'GET /services/data/v59.0/query/?q=SELECT+Id+FROM+Event HTTP/1.1" 200 40',
                 "token, instance = SalesforceLogin(username=username, password=password, security_token=None)",
                 "'token_type': 'Bearer', 'expires_at': 1796308829.49"):
        assert redaction.redact(text) == text


def test_registered_secrets_are_masked_in_any_form():
    redaction.register_secrets("Pa ss/w0rd&42", None, "abc")  # too short and empty values are ignored
    assert redaction.redact("login Pa ss/w0rd&42, body Pa+ss%2Fw0rd%2642, url Pa%20ss%2Fw0rd%2642") == (
        "login ***, body ***, url ***")
    assert redaction.redact("abc") == "abc"


def test_every_logger_is_scrubbed_including_child_loggers_and_exceptions(stream_handler):
    redaction.register_secrets("registered-secret-123")
    # loggers syncore's dependencies use, their children, and one nobody knew about when syncore started
    for name in ("requests_oauthlib.oauth2_session", "urllib3.connectionpool", "exchangelib.util",
                 "simple_salesforce.api", "oauthlib.oauth2.rfc6749", "msal.application", "httpx", "some.new.lib"):
        logging.getLogger(name).debug("sending %s with {'access_token': '%s'}", "registered-secret-123",
                                      "unregistered-token-456")
    try:
        raise RuntimeError("failed with registered-secret-123")
    except RuntimeError:
        logging.getLogger("some.lib").exception("oops, password=%s", "hunter2-xyz")
    logging.getLogger("some.lib").debug("stack", stack_info=True, extra={})
    text = stream_handler.getvalue()
    assert text.count("sending ***") == 8 and "RuntimeError: failed with ***" in text
    for secret in ("registered-secret-123", "unregistered-token-456", "hunter2-xyz"):
        assert secret not in text


def test_installing_twice_wraps_the_factory_once():
    redaction.install()
    factory = logging.getLogRecordFactory()
    redaction.install()
    redaction.register_secrets("another-secret-789")
    assert logging.getLogRecordFactory() is factory


def test_the_handler_filter_for_applications_with_their_own_record_factory():
    redaction.register_secrets("filter-secret-321")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "value %s", ("filter-secret-321",), None)
    assert redaction.RedactSecrets().filter(record) and record.getMessage() == "value ***"
