"""
A VEN no one here wrote (PyPI openadr3-client, ElaadNL, Apache-2.0) against Surge's OpenADR 3 subset.

The test plays the identity provider: the client's OAuth2 client-credentials request goes to a tiny token
endpoint started here, which hands back the member's bearer token (OADR_MEMBER_TOKEN); the client then
calls the VTN (OADR_VTN_URL, e.g. http://127.0.0.1:4609/openadr3) with it, as a real VEN would.
  1. GET programs and events (validated by the client's own pydantic models of the OpenADR 3.0.1 schema);
  2. POST a report for OADR_EVENT_ID with USAGE per half-hour, as the event's reportDescriptors ask
     (historical): the same London half-hours on the 14 days before the event (weekends too: the VTN's
     baseline leaves them out, not the VEN) at 2.6 kWh each, and 0.5 kWh in each half-hour of the event;
     the BASELINE it states (2.6) is its own side's figure, kept but not paid on.
Prints one JSON line with what it saw; exits non-zero on any failure.
"""
import json
import os
import sys
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

from openadr3_client.ven.http_factory import VirtualEndNodeHttpClientFactory
from openadr3_client.version import OADRVersion
from openadr3_client.oadr301.models.report.report import NewReport, ReportResource
from openadr3_client.oadr301.models.report.report_payload import ReportPayload, ReportPayloadType
from openadr3_client._models.common.interval import Interval
from openadr3_client._models.common.interval_period import IntervalPeriod

TOKEN = os.environ["OADR_MEMBER_TOKEN"]


class TokenHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("content-length", "0")))
        body = json.dumps({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 600}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main() -> None:
    server = HTTPServer(("127.0.0.1", 0), TokenHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ven = VirtualEndNodeHttpClientFactory.create_http_ven_client(
        vtn_base_url=os.environ["OADR_VTN_URL"],
        client_id="member-ven",
        client_secret="unused-the-test-token-endpoint-ignores-it",
        token_url=f"http://127.0.0.1:{server.server_port}/token",
        allow_insecure_http=True,
        version=OADRVersion.OADR_301,
    )
    programs = ven.programs.get_programs(target=None, pagination=None)
    events = ven.events.get_events(target=None, pagination=None, program_id=os.environ["OADR_PROGRAM_ID"])
    event = next(e for e in events if e.id == os.environ["OADR_EVENT_ID"])
    start = event.interval_period.start
    descriptor = event.report_descriptors[0]
    assert descriptor.payload_type == ReportPayloadType.USAGE and descriptor.historical, descriptor
    halves = int(event.interval_period.duration / timedelta(minutes=30))
    # The event's London half-hours on the 14 days before (the event is in BST like its history here, so
    # the same UTC offset; a VEN crossing a clock change would step in local time).
    history = [(start - timedelta(days=d) + timedelta(minutes=30 * i), 2.6) for d in range(14, 0, -1) for i in range(halves)]
    window = [(start + timedelta(minutes=30 * i), 0.5) for i in range(halves)]
    intervals = tuple(
        Interval(
            id=n,
            interval_period=IntervalPeriod(start=at, duration=timedelta(minutes=30)),
            payloads=(ReportPayload(type=ReportPayloadType.USAGE, values=(kwh,)), ReportPayload(type=ReportPayloadType.BASELINE, values=(2.6,))),
        )
        for n, (at, kwh) in enumerate(history + window)
    )
    report = NewReport(
        programID=event.program_id,
        eventID=event.id,
        client_name="openadr3-client-ven",
        report_name=f"{event.id}-pypi-ven",
        resources=(ReportResource(resource_name="home", intervals=intervals),),
    )
    created = ven.reports.create_report(report)
    print(json.dumps({"programs": [p.id for p in programs], "event": event.id, "eventStart": start.isoformat(), "duration": str(event.interval_period.duration), "report": created.id, "intervals": len(intervals), "historical": descriptor.historical}))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # report what the client refused, with the server's answer when there is one
        detail = getattr(getattr(e, "response", None), "text", "")
        print(f"openadr3-client check FAILED: {type(e).__name__}: {e} {detail}", file=sys.stderr)
        sys.exit(1)
