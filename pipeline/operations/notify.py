"""Notifications: what a run found, sent where settings NOTIFY says, as a
webhook (JSON POST with a Slack-compatible "text") or an e-mail over SMTP.
Addresses and secrets come only from the environment. A message that cannot
be delivered is retried with backoff, then logged: a run never fails
because of a notification."""
import dataclasses
import email.message
import json
import logging
import os
import smtplib
import time
import urllib.request

from components.contracts import artifacts as contract

# Environment variables that hold addresses and secrets.
WEBHOOK_URL = "MODEL_FACTORY_WEBHOOK_URL"
SMTP_PREFIX = "MODEL_FACTORY_SMTP_"  # HOST, PORT, USER, PASSWORD, FROM, TO (comma-separated), STARTTLS
_TIMEOUT = 10


@dataclasses.dataclass
class Message:
  event: str  # one of pipeline.definition.settings.NOTIFY_EVENTS
  title: str
  reasons: list = dataclasses.field(default_factory=list)
  report: str = None  # path or URL of the report to open

  def text(self) -> str:
    lines = [f"[model factory] {self.title}"] + [f"- {r}" for r in self.reasons]
    return "\n".join(lines + ([f"report: {self.report}"] if self.report else []))

  def payload(self) -> dict:
    return {"text": self.text(), **dataclasses.asdict(self)}


def events_of(report) -> list:
  """The messages a finished run (pipeline.operations.report.RunReport) calls for."""
  messages = []
  where = f"span {report.span}" if report.span is not None else "the new span"
  if report.drift_verdict == "drift":
    drifted = contract.split_list(report.drifted_features)
    messages.append(Message("drift", f"drift in {where}: {', '.join(drifted) or 'performance'}",
                            [f"drifted: {name}" for name in drifted[:5]],
                            os.path.join(report.drift_report_uri, contract.REPORT_HTML)))
  if report.pending_approval:
    messages.append(Message(
        "pending_approval", f"model version {report.pushed_version} waits for approval",
        [f"approve: python -m pipeline approve {report.pushed_version} --by NAME",
         f"reject: python -m pipeline reject {report.pushed_version} --by NAME --note TEXT"]
        + ([report.fallback["reason"]] if report.fallback else []),
        report.pushed_path))
  elif report.fallback:
    fallback = report.fallback
    event = "fallback_served" if fallback["served"] else "fallback_refused"
    excluded = ", ".join(fallback["excluded_features"]) or "no feature"
    messages.append(Message(event, f"fallback without {excluded} for {where}: "
                            f"{'SERVED' if fallback['served'] else 'not served'}",
                            [fallback["reason"]]))
  return messages


def refused(error, what="the new span") -> Message:
  return Message("data_refused", f"data refused in {what}", str(error).splitlines()[:6])


def failed(error, what="a run") -> Message:
  return Message("run_failed", f"{what} failed: {type(error).__name__}", str(error).splitlines()[:6])


def of_error(error, what) -> Message:
  """data_refused for data the input check, the anomaly gate or a guardrail
  refused; run_failed for anything else."""
  from components.anomaly_gate.executor import DataAnomaliesError  # pylint: disable=import-outside-toplevel
  from components.guardrails.executor import GuardrailsRefusedError  # pylint: disable=import-outside-toplevel
  from components.input_check.executor import InputRefusedError  # pylint: disable=import-outside-toplevel
  if isinstance(error, (InputRefusedError, DataAnomaliesError, GuardrailsRefusedError)):
    return refused(error, what)
  return failed(error, what)


def _webhook(url: str, message: Message) -> None:
  request = urllib.request.Request(url, data=json.dumps(message.payload()).encode(),
                                   headers={"Content-Type": "application/json"}, method="POST")
  with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:
    if response.status >= 300:
      raise OSError(f"webhook answered {response.status}")


def _email(env: dict, message: Message) -> None:
  mail = email.message.EmailMessage()
  mail["Subject"] = f"[model factory] {message.title}"
  mail["From"] = env[SMTP_PREFIX + "FROM"]
  mail["To"] = env[SMTP_PREFIX + "TO"]
  mail.set_content(message.text())
  with smtplib.SMTP(env[SMTP_PREFIX + "HOST"], int(env.get(SMTP_PREFIX + "PORT", "25")),
                    timeout=_TIMEOUT) as smtp:
    if env.get(SMTP_PREFIX + "STARTTLS") == "1":
      smtp.starttls()
    if env.get(SMTP_PREFIX + "USER"):
      smtp.login(env[SMTP_PREFIX + "USER"], env.get(SMTP_PREFIX + "PASSWORD", ""))
    smtp.send_message(mail)


def _deliver(channel: str, message: Message, env: dict) -> None:
  if channel == "webhook":
    if not env.get(WEBHOOK_URL):
      raise KeyError(f"{WEBHOOK_URL} is not set")
    _webhook(env[WEBHOOK_URL], message)
  else:
    missing = [SMTP_PREFIX + k for k in ("HOST", "FROM", "TO") if not env.get(SMTP_PREFIX + k)]
    if missing:
      raise KeyError(f"{', '.join(missing)} not set")
    _email(env, message)


def send(messages, settings, env=None, sleep=time.sleep) -> list:
  """Delivers each message to the channels settings.notify names for its
  event; returns [(event, channel, "sent" or the last error)]. Never raises."""
  env = os.environ if env is None else env
  outcomes = []
  for message in messages:
    for channel in settings.notify.get(message.event, ()):
      wait, outcome = settings.notify_backoff_seconds, None
      for attempt in range(settings.notify_attempts):
        try:
          _deliver(channel, message, env)
          outcome = "sent"
          break
        except (OSError, KeyError, smtplib.SMTPException) as error:
          outcome = f"{type(error).__name__}: {error}"
          if isinstance(error, KeyError) or attempt + 1 == settings.notify_attempts:
            break
          sleep(wait)
          wait *= 2
      if outcome != "sent":
        logging.getLogger(__name__).warning("notification %s via %s failed: %s",
                                            message.event, channel, outcome)
      outcomes.append((message.event, channel, outcome))
  return outcomes
