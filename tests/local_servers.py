"""Real servers on loopback for the notification tests: a webhook (HTTP)
and an SMTP server (aiosmtpd). Import the fixtures into a test module."""
import http.server
import json
import socket
import threading

import pytest
from aiosmtpd.controller import Controller


@pytest.fixture()
def webhook():
  """A local HTTP server: answers 500 to the first `fail` POSTs, then 200."""
  received, state = [], {"fail": 0}

  class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # pylint: disable=invalid-name
      body = self.rfile.read(int(self.headers["Content-Length"]))
      if state["fail"]:
        state["fail"] -= 1
        self.send_response(500)
      else:
        received.append(json.loads(body))
        self.send_response(200)
      self.end_headers()

    def log_message(self, *args):  # quiet
      pass

  server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
  threading.Thread(target=server.serve_forever, daemon=True).start()
  yield f"http://127.0.0.1:{server.server_address[1]}/hook", received, state
  server.shutdown()


@pytest.fixture()
def smtp():
  received = []

  class Handler:
    async def handle_DATA(self, server, session, envelope):  # pylint: disable=invalid-name,unused-argument
      received.append(envelope)
      return "250 OK"

  with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
  controller = Controller(Handler(), hostname="127.0.0.1", port=port)
  controller.start()
  yield port, received
  controller.stop()
