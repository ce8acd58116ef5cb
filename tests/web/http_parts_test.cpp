// The HTTP front end's pure parts, in process: the WebSocket frame codec, the request-head reader
// and the client-address rules. (Their behaviour on the wire is in http_front_end_test.cpp.)
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "http/client_address.h"
#include "http/http_head.h"
#include "http/http_message.h"
#include "http/websocket_frames.h"
#include "http/worker_pool.h"

namespace web = sendflow::web;
namespace ws = sendflow::web::ws;
using Kind = ws::Event::Kind;

namespace {

// A client frame: masked with a fixed key.
std::string clientFrame(int opcode, const std::string& payload, bool fin = true) {
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0) | opcode));
  const std::size_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((n >> shift) & 0xFF));
  }
  const char key[4] = {0x12, 0x34, 0x56, 0x78};
  out.append(key, 4);
  for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
  return out;
}

ws::Event readOne(ws::MessageReader& r, const std::string& bytes) {
  std::size_t pos = 0;
  return r.next(bytes, pos);
}

web::HeadResult head(const std::string& text, std::size_t maxBody = 1024) {
  web::BufferedRequest request(Poco::Net::SocketAddress("127.0.0.1", 1),
                               Poco::Net::SocketAddress("127.0.0.1", 2), false);
  std::size_t scanned = 0;
  return web::readHead(text, {4096, maxBody}, request, scanned);
}

}  // namespace

TEST_CASE("WebSocket frames: masked text, fragments joined, control frames between",
          "[web][http]") {
  ws::MessageReader r(64 * 1024);
  const std::string bytes = clientFrame(1, "Hel", false) + clientFrame(9, "p") +
                            clientFrame(0, "lo ", false) + clientFrame(0, "Zoë");
  std::size_t pos = 0;
  auto ping = r.next(bytes, pos);
  CHECK(ping.kind == Kind::kPing);
  CHECK(ping.payload == "p");
  auto text = r.next(bytes, pos);
  CHECK(text.kind == Kind::kText);
  CHECK(text.payload == "Hello Zoë");
  CHECK(pos == bytes.size());
  // Byte by byte: nothing until the frame is whole.
  const std::string one = clientFrame(1, std::string(300, 'x'));
  ws::MessageReader slow(64 * 1024);
  std::string buffer;
  std::size_t at = 0;
  for (std::size_t i = 0; i + 1 < one.size(); ++i) {
    buffer.push_back(one[i]);
    REQUIRE(slow.next(buffer, at).kind == Kind::kNeedMore);
  }
  buffer.push_back(one.back());
  CHECK(slow.next(buffer, at).payload == std::string(300, 'x'));
}

TEST_CASE("WebSocket frames: what the reader refuses", "[web][http]") {
  ws::MessageReader r(64 * 1024);
  std::string unmasked = clientFrame(1, "hi");
  unmasked[1] = static_cast<char>(unmasked[1] & 0x7F);
  CHECK(readOne(r, unmasked).kind == Kind::kProtocolError);
  // Too big: refused from the header alone, before the payload arrives.
  ws::MessageReader big(64 * 1024);
  CHECK(readOne(big, clientFrame(1, std::string(64 * 1024 + 1, 'a')).substr(0, 14)).kind ==
        Kind::kTooBig);
  ws::MessageReader fragments(10);
  std::size_t pos = 0;
  const std::string two = clientFrame(1, "123456", false) + clientFrame(0, "78901");
  CHECK(fragments.next(two, pos).kind == Kind::kTooBig);
  CHECK(readOne(r, clientFrame(1, "\xC3")).kind == Kind::kBadUtf8);
  CHECK(readOne(r, clientFrame(0, "orphan")).kind == Kind::kProtocolError);
  ws::MessageReader rsv(100);
  std::string withRsv = clientFrame(1, "x");
  withRsv[0] = static_cast<char>(withRsv[0] | 0x40);
  CHECK(readOne(rsv, withRsv).kind == Kind::kProtocolError);
  ws::MessageReader ctl(100);
  CHECK(readOne(ctl, clientFrame(9, "x", false)).kind == Kind::kProtocolError);  // fragmented ping
  ws::MessageReader close(100);
  auto c = readOne(close, clientFrame(8, std::string("\x03\xE9", 2)));
  CHECK(c.kind == Kind::kClose);
  CHECK(c.closeCode == 1001);
  ws::MessageReader badClose(100);
  CHECK(readOne(badClose, clientFrame(8, std::string("\x03\xED", 2))).kind ==
        Kind::kProtocolError);  // 1005
  ws::MessageReader empty(100);
  CHECK(readOne(empty, clientFrame(8, "")).closeCode == ws::kCloseNoStatus);
}

TEST_CASE("WebSocket frames: the server's encoding", "[web][http]") {
  CHECK(ws::encodeFrame(ws::Opcode::kText, "hi") == std::string("\x81\x02hi", 4));
  const std::string mid = ws::encodeFrame(ws::Opcode::kText, std::string(300, 'a'));
  CHECK(mid.substr(0, 4) == std::string("\x81\x7E\x01\x2C", 4));
  const std::string large = ws::encodeFrame(ws::Opcode::kText, std::string(70000, 'a'));
  CHECK(large.substr(0, 10) == std::string("\x81\x7F\x00\x00\x00\x00\x00\x01\x11\x70", 10));
  CHECK(ws::encodeClose(1009) == std::string("\x88\x02\x03\xF1", 4));
}

TEST_CASE("request heads: read whole, refused with the right status", "[web][http]") {
  auto ok = head("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
  CHECK(ok.outcome == web::HeadResult::Outcome::kReady);
  CHECK(ok.bodyBytes == 5);
  CHECK(ok.headBytes == 48);
  CHECK(head("GET / HTTP/1.1\r\nHost: a\r\n").outcome == web::HeadResult::Outcome::kIncomplete);
  CHECK(head("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(5000, 'a')).status == 431);
  CHECK(head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1025\r\n\r\n").status == 413);
  CHECK(head("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n").status == 411);
  CHECK(head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n").status == 400);
  CHECK(head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n").status ==
        400);
  CHECK(head("POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n").status == 417);
  auto expect =
      head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
  CHECK(expect.expectContinue);
  CHECK(head("GET / HTTP/3.0\r\nHost: a\r\n\r\n").status == 505);
  CHECK(head("get / HTTP/1.1\r\nHost: a\r\n\r\n").status == 400);
  CHECK(head("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").status == 400);
  CHECK(head("GET / HTTP/1.0\r\n\r\n").outcome ==
        web::HeadResult::Outcome::kReady);  // 1.0: no Host needed
  CHECK(web::leadingBlankBytes("\r\n\r\nGET") == 4);
}

TEST_CASE("response headers with a control character are never written", "[web][http]") {
  CHECK(web::headerIsSafe("Location", "/plans/3?saved=1"));
  CHECK_FALSE(web::headerIsSafe("Location", "/\r\nSet-Cookie: x=1"));
  CHECK_FALSE(web::headerIsSafe("Location", std::string("/\0x", 3)));
  CHECK_FALSE(web::headerIsSafe("Bad Name", "x"));
  web::BufferedRequest request(Poco::Net::SocketAddress("127.0.0.1", 1),
                               Poco::Net::SocketAddress("127.0.0.1", 2), false);
  web::BufferedResponse response(request);
  response.set("Location", "/\nSet-Cookie: injected=1");
  response.send() << "x";
  std::string refused;
  const std::string bytes = response.serialize(false, true, false, &refused);
  CHECK(refused == "Location");
  CHECK(bytes.rfind("HTTP/1.1 500", 0) == 0);
  CHECK(bytes.find("injected") == std::string::npos);
}

TEST_CASE("the client's address: X-Forwarded-For only through trusted proxies, read from the right",
          "[web][http]") {
  using Poco::Net::IPAddress;
  const auto proxies = web::TrustedProxies::parse("127.0.0.1, 10.0.0.0/8, ::1");
  CHECK(web::clientAddress(IPAddress("192.0.2.1"), {"203.0.113.5"}, proxies) == "192.0.2.1");
  CHECK(web::clientAddress(IPAddress("127.0.0.1"), {"203.0.113.5"}, proxies) == "203.0.113.5");
  CHECK(web::clientAddress(IPAddress("127.0.0.1"), {"198.51.100.1, 203.0.113.5, 10.9.8.7"},
                           proxies) == "203.0.113.5");
  CHECK(web::clientAddress(IPAddress("127.0.0.1"), {"198.51.100.1", "203.0.113.5"}, proxies) ==
        "203.0.113.5");
  CHECK(web::clientAddress(IPAddress("127.0.0.1"), {"junk, 10.1.1.1"}, proxies) == "10.1.1.1");
  CHECK(web::clientAddress(IPAddress("127.0.0.1"), {}, proxies) == "127.0.0.1");
  CHECK(web::clientAddress(IPAddress("::ffff:127.0.0.1"), {"203.0.113.5"}, proxies) ==
        "203.0.113.5");
  CHECK(web::clientAddress(IPAddress("::1"), {"2001:db8::7"}, proxies) == "2001:db8::7");
  CHECK(web::TrustedProxies::parse("").empty());
  CHECK_THROWS_WITH(web::TrustedProxies::parse("10.0.0.0/33"), Catch::Contains("10.0.0.0/33"));
  CHECK_THROWS_WITH(web::TrustedProxies::parse("proxy.example"), Catch::Contains("proxy.example"));
  CHECK_THROWS(web::TrustedProxies::parse("10.0.0.0/"));
}

TEST_CASE("WebSocket turns never take every worker: a request still runs while turns wait",
          "[web][http]") {
  // Turns that wait (as a live edit waits for its durable commit) on a gate held shut.
  web::WorkerPool pool(4, 16);
  std::mutex m;
  std::condition_variable cv;
  bool open = false;
  std::atomic<int> turnsStarted{0};
  for (int i = 0; i < 8; ++i) {
    pool.submit([&] {
      ++turnsStarted;
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return open; });
    });
  }
  std::atomic<bool> answered{false};
  REQUIRE(pool.trySubmit([&] { answered = true; }));
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!answered && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(answered);
  while (turnsStarted < 3 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(turnsStarted == 3);  // 4 workers, 1 kept for requests
  {
    std::lock_guard lock(m);
    open = true;
  }
  cv.notify_all();
  pool.stop();  // every turn still runs
  CHECK(turnsStarted == 8);
}

TEST_CASE("A request does not queue behind a backlog of turns while the reserve is free",
          "[web][http]") {
  web::WorkerPool pool(4, 16);  // 1 kept for requests, at most 3 turns at once
  std::mutex m;
  std::condition_variable cv;
  bool open = false;
  std::atomic<bool> firstStarted{false};
  REQUIRE(pool.trySubmit([&] {  // a request holding the reserved worker until the gate opens
    firstStarted = true;
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return open; });
  }));
  while (!firstStarted) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::atomic<int> turnsStarted{0};
  for (int i = 0; i < 50; ++i) {  // turns that do not wait on anything: 50 × 20 ms on 3 workers
    pool.submit([&] {
      ++turnsStarted;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    });
  }
  std::atomic<int> turnsBeforeRequest{-1};
  REQUIRE(pool.trySubmit([&] { turnsBeforeRequest = turnsStarted.load(); }));
  {
    std::lock_guard lock(m);
    open = true;
  }
  cv.notify_all();
  pool.stop();
  REQUIRE(turnsStarted == 50);
  // Oldest first would start it after all 50 turns; the freed reserved worker takes it at once.
  CHECK(turnsBeforeRequest >= 0);
  CHECK(turnsBeforeRequest < 40);
}
