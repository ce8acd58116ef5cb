// Deployments of the real server: HTTPS served by the event loop itself, and nginx (Debian's) in
// front as a reverse proxy, with the client's address taken from X-Forwarded-For only through it.
#include <Poco/File.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/ServerSocket.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "sendflow/storage/database.h"
#include "support/demo.h"
#include "support/raw_http.h"

using sendflow::testing::Client;
using sendflow::testing::Demo;
using sendflow::testing::RawSocket;
using sendflow::testing::Server;
using sendflow::testing::statusOf;
using sendflow::testing::TempDir;

namespace {

// A self-signed certificate for localhost, made by the openssl command line tool.
void makeCertificate(const std::string& dir) {
  auto h = Poco::Process::launch(
      "/usr/bin/openssl",
      {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
       "-days", "2", "-subj", "/CN=localhost", "-keyout", dir + "/key.pem", "-out",
       dir + "/cert.pem"},
      dir, nullptr, nullptr, nullptr);
  REQUIRE(h.wait() == 0);
}

Poco::Net::Context::Ptr trustingClientContext() {
  Poco::Net::Context::Ptr ctx(new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "",
                                                     Poco::Net::Context::VERIFY_NONE));
  ctx->enableExtendedCertificateVerification(false);
  return ctx;
}

int freePort() {
  Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
  return s.address().port();
}

// nginx from Debian as the reverse proxy, its files in a temporary directory (runs as whoever
// runs the tests; no master process, no system paths).
class Nginx {
 public:
  explicit Nginx(int upstreamPort) : port_(freePort()) {
    const std::string d = dir_.path();
    std::ofstream(d + "/nginx.conf") << config(d, port_, upstreamPort);
    REQUIRE(Poco::File("/usr/sbin/nginx").exists());  // scripts/lib.sh TEST_PACKAGES installs it
    handle_ = std::make_unique<Poco::ProcessHandle>(Poco::Process::launch(
        "/usr/sbin/nginx", {"-p", d, "-c", d + "/nginx.conf", "-e", d + "/error.log"}, d, nullptr,
        nullptr, nullptr));
    for (int i = 0; i < 100; ++i) {
      try {
        RawSocket probe(port_);
        return;
      } catch (const std::exception&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    FAIL("nginx did not start: " << errorLog());
  }
  ~Nginx() {
    Poco::Process::kill(*handle_);
    handle_->wait();
  }
  int port() const { return port_; }
  std::string errorLog() const {
    std::ifstream in(dir_.path() + "/error.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // The configuration docs/http.md documents, with this test's ports and paths.
  static std::string config(const std::string& d, int listenPort, int upstreamPort) {
    return "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + d +
           "/nginx.pid;\n"
           "error_log " +
           d +
           "/error.log warn;\nevents { worker_connections 256; }\nhttp {\n"
           "  access_log off;\n  client_body_temp_path " +
           d + "/body;\n  proxy_temp_path " + d + "/proxy;\n  fastcgi_temp_path " + d +
           "/fastcgi;\n  uwsgi_temp_path " + d + "/uwsgi;\n  scgi_temp_path " + d +
           "/scgi;\n"
           "  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }\n"
           "  upstream sendflow { server 127.0.0.1:" +
           std::to_string(upstreamPort) +
           "; keepalive 16; keepalive_timeout 4s; }\n"
           "  server {\n    listen 127.0.0.1:" +
           std::to_string(listenPort) +
           ";\n"
           "    client_max_body_size 1m;\n    location / {\n"
           "      proxy_pass http://sendflow;\n      proxy_http_version 1.1;\n"
           "      proxy_set_header Host $http_host;\n"
           "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
           "      proxy_set_header X-Forwarded-Proto $scheme;\n"
           "      proxy_set_header Upgrade $http_upgrade;\n"
           "      proxy_set_header Connection $connection_upgrade;\n"
           "      proxy_read_timeout 1h;\n    }\n  }\n}\n";
  }

 private:
  TempDir dir_;
  int port_;
  std::unique_ptr<Poco::ProcessHandle> handle_;
};

// How many sessions of the user were opened from `ip` (the address sign-in recorded).
int sessionsFrom(Demo& demo, const std::string& email, const std::string& ip) {
  sendflow::storage::Database db(demo.server.home() + "/sendflow.db");
  sendflow::storage::Statement st(db,
                                  "SELECT count(*) FROM session s JOIN user u ON u.id = s.user_id "
                                  "WHERE u.email = ? AND s.ip = ?");
  st.bind(1, email);
  st.bind(2, ip);
  return st.step() ? static_cast<int>(st.getInt(0)) : -1;
}

}  // namespace

TEST_CASE("HTTPS: pages over TLS, a body over the limit gets 413 (not a reset)",
          "[web][http][tls]") {
  TempDir dir;
  makeCertificate(dir.path());
  Server s({{"SENDFLOW_TLS_CERTIFICATE", dir.path() + "/cert.pem"},
            {"SENDFLOW_TLS_KEY", dir.path() + "/key.pem"},
            {"SENDFLOW_HTTP_HEADER_TIMEOUT", "2"}});
  s.start();
  const auto port = static_cast<Poco::UInt16>(s.port());
  {
    Poco::Net::HTTPSClientSession session("127.0.0.1", port, trustingClientContext());
    Poco::Net::HTTPRequest req("GET", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(req);
    Poco::Net::HTTPResponse res;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(res), body);
    CHECK(res.getStatus() == 200);
    CHECK(body.find("\"status\":\"ok\"") != std::string::npos);
    CHECK(res.get("Strict-Transport-Security", "").find("max-age=") == 0);
  }
  {
    Poco::Net::HTTPSClientSession session("127.0.0.1", port, trustingClientContext());
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest req("POST", "/login", Poco::Net::HTTPMessage::HTTP_1_1);
    req.setContentType("application/x-www-form-urlencoded");
    // 1 MiB + 1, sent as a browser on a real network would: in pieces, still sending when the
    // server has already decided. Closing on unread input would reset the connection.
    const std::size_t total = 1024 * 1024 + 1;
    req.setContentLength64(total);
    std::ostream& out = session.sendRequest(req);
    const std::string piece(32 * 1024, 'a');
    for (std::size_t sent = 0; sent < total && out; sent += piece.size()) {
      out.write(piece.data(), static_cast<std::streamsize>(std::min(piece.size(), total - sent)));
      out.flush();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    Poco::Net::HTTPResponse res;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(res), body);
    CHECK(res.getStatus() == 413);
    CHECK(body.find("too large") != std::string::npos);
  }
  // A connection that never starts its TLS handshake is closed at the head deadline.
  RawSocket silent(s.port());
  const auto opened = std::chrono::steady_clock::now();
  CHECK(silent.readAll(std::chrono::milliseconds(6000)).empty());
  CHECK(silent.closed());
  CHECK(std::chrono::steady_clock::now() - opened < std::chrono::seconds(5));
  // Plain HTTP to the TLS port: closed at once, not held until a timeout.
  RawSocket plain(s.port());
  plain.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto start = std::chrono::steady_clock::now();
  plain.readAll(std::chrono::milliseconds(5000));
  CHECK(plain.closed());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
}

TEST_CASE(
    "behind nginx: the client's address comes from X-Forwarded-For through the trusted proxy only",
    "[web][http][proxy]") {
  Demo demo(std::map<std::string, std::string>{{"SENDFLOW_HTTP_TRUSTED_PROXIES", "127.0.0.1"}});
  Nginx nginx(demo.server.port());
  const int nginxPort = nginx.port();
  const auto& [email, password] = demo.logins.at("senco@" + std::string(Demo::kOak));

  // Through nginx from 127.0.0.2, with a forged X-Forwarded-For nginx appends to.
  Client viaProxy(nginxPort, "127.0.0.2");
  REQUIRE(viaProxy.login(email, password).status == 303);
  CHECK(sessionsFrom(demo, email, "127.0.0.2") == 1);
  CHECK(viaProxy.request("GET", "/probe-via-nginx", "", "", {{"X-Forwarded-For", "203.0.113.66"}})
            .status == 404);
  CHECK(viaProxy.get("/").status == 200);

  // Straight to sendflow from 127.0.0.3, claiming another address: ignored.
  Client direct(demo.server.port(), "127.0.0.3");
  direct.request("GET", "/login", "", "", {{"X-Forwarded-For", "203.0.113.77"}});
  REQUIRE(direct.login(email, password).status == 303);
  CHECK(sessionsFrom(demo, email, "127.0.0.3") == 1);
  CHECK(sessionsFrom(demo, email, "127.0.0.1") == 0);  // never the proxy's own address
  CHECK(sessionsFrom(demo, email, "203.0.113.77") == 0);
  CHECK(direct.request("GET", "/probe-direct", "", "", {{"X-Forwarded-For", "203.0.113.77"}})
            .status == 404);

  // A live-editing WebSocket upgrades through the proxy too.
  auto drafts = demo.plans("", "draft", Demo::kOak);
  REQUIRE_FALSE(drafts.empty());
  const auto plan = drafts.front()->getValue<int64_t>("id");
  RawSocket ws(nginxPort, "127.0.0.2");
  ws.send("GET /plans/" + std::to_string(plan) + "/live HTTP/1.1\r\nHost: 127.0.0.1:" +
          std::to_string(nginxPort) + "\r\nCookie: sf_session=" + viaProxy.cookies()["sf_session"] +
          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
  const std::string upgraded = ws.readAll(std::chrono::milliseconds(1500));
  CHECK(statusOf(upgraded) == 101);
  CHECK(upgraded.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != std::string::npos);
  CHECK(upgraded.find("\x81") != std::string::npos);  // the snapshot, a text frame

  demo.server.stop();
  const std::string log = demo.server.log();
  INFO(nginx.errorLog());
  CHECK(log.find(" 127.0.0.2 GET /probe-via-nginx 404") != std::string::npos);
  CHECK(log.find(" 127.0.0.3 GET /probe-direct 404") != std::string::npos);
  CHECK(log.find("203.0.113.66") == std::string::npos);
  CHECK(log.find("203.0.113.77") == std::string::npos);
}

TEST_CASE("SIGTERM closes live-editing WebSockets with 1001 and the server exits cleanly",
          "[web][http][live]") {
  Demo demo;
  Client senco = demo.senco();
  auto drafts = demo.plans("", "draft", Demo::kOak);
  REQUIRE_FALSE(drafts.empty());
  RawSocket ws(demo.server.port());
  ws.send(
      "GET /plans/" + std::to_string(drafts.front()->getValue<int64_t>("id")) +
      "/live HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: sf_session=" + senco.cookies()["sf_session"] +
      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
  REQUIRE(statusOf(ws.readAll(std::chrono::milliseconds(800))) == 101);
  const auto start = std::chrono::steady_clock::now();
  CHECK(demo.server.stop() == 0);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  const std::string rest = ws.readAll(std::chrono::milliseconds(2000));
  CHECK(rest.find(std::string("\x88\x02\x03\xE9", 4)) != std::string::npos);  // close, 1001
  CHECK(ws.closed());
}
