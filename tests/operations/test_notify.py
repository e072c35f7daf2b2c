"""Notifications reach a real webhook (a local HTTP server) and a real SMTP
server (aiosmtpd), both on loopback; a failing channel is retried, then
logged, and never raises."""
import socket

import pytest

from pipeline.definition import settings as settings_lib
from pipeline.operations import notify
from pipeline.operations.report import RunReport

SETTINGS = settings_lib.load(notify={"drift": ["webhook", "email"], "fallback_served": ["webhook"],
                                     "run_failed": ["webhook"]},
                             notify_attempts=3, notify_backoff_seconds=0.01)


def _drift_report():
  return RunReport(run_id="r", executions=[], span=7, drift_verdict="drift",
                   drifted_features="num_a,cat_b", drift_report_uri="/reports/7",
                   fallback={"served": True, "excluded_features": ["num_a"],
                             "reason": "fallback AUC 0.91 vs served model 0.80"})


def test_a_drift_run_reaches_the_webhook_and_the_mailbox(webhook, smtp):
  url, posted, _ = webhook
  port, mails = smtp
  env = {notify.WEBHOOK_URL: url, "MODEL_FACTORY_SMTP_HOST": "127.0.0.1",
         "MODEL_FACTORY_SMTP_PORT": str(port), "MODEL_FACTORY_SMTP_FROM": "factory@localhost",
         "MODEL_FACTORY_SMTP_TO": "oncall@localhost,lead@localhost"}
  outcomes = notify.send(notify.events_of(_drift_report()), SETTINGS, env=env)
  assert outcomes == [("drift", "webhook", "sent"), ("drift", "email", "sent"),
                      ("fallback_served", "webhook", "sent")]
  drift = posted[0]
  assert drift["event"] == "drift" and "drift in span 7: num_a, cat_b" in drift["text"]
  assert drift["report"] == "/reports/7/report.html" and "report: /reports/7" in drift["text"]
  assert posted[1]["event"] == "fallback_served" and "SERVED" in posted[1]["text"]
  (mail,) = mails
  assert mail.rcpt_tos == ["oncall@localhost", "lead@localhost"]
  assert b"drift in span 7" in mail.content and b"drifted: num_a" in mail.content


def test_a_failing_webhook_is_retried_with_backoff(webhook):
  url, posted, state = webhook
  state["fail"] = 2
  waits = []
  outcomes = notify.send([notify.failed(RuntimeError("Transform failed"))], SETTINGS,
                         env={notify.WEBHOOK_URL: url}, sleep=waits.append)
  assert outcomes == [("run_failed", "webhook", "sent")] and waits == [0.01, 0.02]
  assert posted[0]["event"] == "run_failed" and "Transform failed" in posted[0]["text"]


def test_an_unreachable_channel_is_logged_and_never_raises(caplog):
  with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    closed = probe.getsockname()[1]
  outcomes = notify.send(notify.events_of(_drift_report())[:1], SETTINGS,
                         env={notify.WEBHOOK_URL: f"http://127.0.0.1:{closed}/"}, sleep=lambda s: None)
  assert outcomes[0][:2] == ("drift", "webhook") and "Error" in outcomes[0][2]
  assert outcomes[1] == ("drift", "email", "KeyError: 'MODEL_FACTORY_SMTP_HOST, "
                                           "MODEL_FACTORY_SMTP_FROM, MODEL_FACTORY_SMTP_TO not set'")
  assert "notification drift via webhook failed" in caplog.text


def test_unknown_events_or_channels_are_refused_in_settings():
  with pytest.raises(ValueError, match="NOTIFY"):
    settings_lib.load(notify={"drift": ["pager"]})


def test_refused_data_and_failed_runs_are_told_apart():
  from components.input_check.executor import InputRefusedError  # pylint: disable=import-outside-toplevel
  assert notify.of_error(InputRefusedError("line 3: not UTF-8"), "span 9").event == "data_refused"
  failed = notify.of_error(RuntimeError("Transform failed"), "span 9")
  assert failed.event == "run_failed" and "span 9 failed: RuntimeError" in failed.title
