// What an operator watches (issue 13): /metrics in Prometheus's text format, and the log as
// JSON lines (log.format=json).
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <sstream>
#include <thread>

#include "support/demo.h"

using sendflow::testing::Demo;
using sendflow::testing::runSendflow;
using sendflow::testing::Server;
using sendflow::testing::TempDir;
using Env = std::map<std::string, std::string>;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The value of the sample line that starts with `series` (name and labels), or -1.
double sampleValue(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
  return -1;
}

const std::string kToken = "0123456789abcdefghijklmnopqrstuvwxyz";

}  // namespace

TEST_CASE("/metrics counts requests by route pattern with latency, and the server's state",
          "[web][operations][metrics]") {
  Demo d;
  auto c = d.server.client();
  const std::string healthzCount =
      R"(sendflow_http_requests_total{route="/healthz",method="GET",status="200"})";
  const double before = std::max(0.0, sampleValue(c.get("/metrics").body, healthzCount));
  REQUIRE(c.get("/healthz").status == 200);
  REQUIRE(c.get("/healthz").status == 200);
  auto senco = d.senco();
  const auto pupil = std::to_string(d.ownPupils.front());
  REQUIRE(senco.get("/pupils/" + pupil).status == 200);
  REQUIRE(c.request("BREW", "/healthz").status >= 400);

  auto m = c.get("/metrics");
  REQUIRE(m.status == 200);
  CHECK(m.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8");
  const std::string& t = m.body;
  CHECK(contains(t, "# TYPE sendflow_http_requests_total counter\n"));
  CHECK(sampleValue(t, healthzCount) == before + 2);
  // The route's pattern, never the path with a pupil's id in it.
  CHECK(sampleValue(
            t, R"(sendflow_http_requests_total{route="/pupils/{id}",method="GET",status="200"})") ==
        1);
  CHECK_FALSE(contains(t, "/pupils/" + pupil));
  // A method nobody defined is "other", so an attacker cannot make a series per made-up method.
  CHECK_FALSE(contains(t, "BREW"));
  CHECK(contains(t, R"(method="other")"));
  CHECK(contains(t, "# TYPE sendflow_http_request_duration_seconds histogram\n"));
  CHECK(
      sampleValue(
          t,
          R"(sendflow_http_request_duration_seconds_bucket{route="/healthz",method="GET",le="+Inf"})") ==
      before + 2);
  CHECK(sampleValue(
            t, R"(sendflow_http_request_duration_seconds_count{route="/healthz",method="GET"})") ==
        before + 2);
  CHECK(sampleValue(
            t, R"(sendflow_http_request_duration_seconds_sum{route="/healthz",method="GET"})") > 0);
  // Buckets are cumulative: each at least the one before.
  double previous = 0;
  for (const char* le :
       {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"}) {
    INFO(le);
    const double v = sampleValue(
        t,
        std::string(
            R"(sendflow_http_request_duration_seconds_bucket{route="/healthz",method="GET",le=")") +
            le + "\"}");
    CHECK(v >= previous);
    previous = v;
  }
  CHECK(sampleValue(t, R"(sendflow_http_connections{kind="open"})") >= 1);
  CHECK(sampleValue(t, R"(sendflow_http_connections{kind="websocket"})") == 0);
  for (const char* state : {"queued", "sending", "sent", "retrying", "failed"})
    CHECK(sampleValue(t, std::string(R"(sendflow_outbox_messages{state=")") + state + "\"}") >= 0);
  CHECK(sampleValue(t, "sendflow_outbox_oldest_due_seconds") >= 0);
  CHECK(sampleValue(t, "sendflow_live_sessions") == 0);
  CHECK(sampleValue(t, R"(sendflow_database_bytes{file="main"})") > 0);
  CHECK(sampleValue(t, "sendflow_audit_head_id") > 0);  // the demo's own events
}

TEST_CASE("/metrics is for this machine or a monitor holding metrics.token",
          "[web][operations][metrics]") {
  SECTION("without a token: loopback only, never through a proxy") {
    Server s;
    s.start();
    auto c = s.client();
    auto proxied = c.request("GET", "/metrics", "", "", {{"X-Forwarded-For", "203.0.113.9"}});
    CHECK(proxied.status == 403);
    CHECK(contains(proxied.body, "metrics.token"));
    CHECK(c.request("GET", "/metrics", "", "", {{"Authorization", "Bearer " + kToken}}).status ==
          200);  // loopback; the header means nothing without a token set
  }
  SECTION("with a token: the right bearer token from anywhere, a wrong one is refused") {
    Server s(Env{{"SENDFLOW_METRICS_TOKEN", kToken}});
    s.start();
    auto c = s.client();
    const Env viaProxy{{"X-Forwarded-For", "203.0.113.9"}};
    auto with = [&](const std::string& auth) {
      auto h = viaProxy;
      h["Authorization"] = auth;
      return c.request("GET", "/metrics", "", "", h).status;
    };
    CHECK(with("Bearer " + kToken) == 200);
    CHECK(with("Bearer " + kToken + "x") == 403);
    CHECK(with("Basic " + kToken) == 403);
  }
  SECTION("a short or odd token stops start-up") {
    TempDir home;
    for (const char* bad : {"short", "0123456789abcdefghijklmnopqrstuv wxyz"}) {
      auto r = runSendflow({"migrate"},
                           {{"SENDFLOW_HOME", home.path()}, {"SENDFLOW_METRICS_TOKEN", bad}});
      CHECK(r.exitCode != 0);
      CHECK(contains(r.err, "metrics.token must be at least 32 characters"));
    }
  }
}

TEST_CASE("log.format=json writes one JSON object per line, access lines with their fields",
          "[web][operations][metrics]") {
  Server s(Env{{"SENDFLOW_LOG_FORMAT", "json"}});
  s.start();
  REQUIRE(s.client().get("/healthz?x=1").status == 200);
  Poco::JSON::Object::Ptr access;
  int lines = 0;
  for (int i = 0; i < 50 && !access; ++i) {
    std::istringstream in(s.log());
    std::string line;
    lines = 0;
    while (std::getline(in, line)) {
      ++lines;
      INFO(line);
      Poco::JSON::Object::Ptr o;
      REQUIRE_NOTHROW(o = Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>());
      CHECK(o->has("time"));
      CHECK(o->has("level"));
      CHECK(o->has("message"));
      if (o->has("path") && o->getValue<std::string>("path") == "/healthz") access = o;
    }
    if (!access) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(lines > 0);
  REQUIRE(access);
  CHECK(access->getValue<std::string>("method") == "GET");
  CHECK(access->getValue<int>("status") == 200);
  CHECK(access->get("ms").isNumeric());
  CHECK(access->getValue<std::string>("client") == "127.0.0.1");
  CHECK(access->getValue<std::string>("level") == "information");

  TempDir home;
  auto r =
      runSendflow({"migrate"}, {{"SENDFLOW_HOME", home.path()}, {"SENDFLOW_LOG_FORMAT", "xml"}});
  CHECK(r.exitCode != 0);
  CHECK(contains(r.err, "log.format must be text or json"));
}
