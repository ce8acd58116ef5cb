// Where sign-in sends people next: only a page of this site, and nothing a link's author writes
// can add a header (the raw response bytes are checked, not a parsed view of them).
#include <Poco/URI.h>

#include <catch2/catch.hpp>

#include "support/demo.h"
#include "support/raw_http.h"

using sendflow::testing::Client;
using sendflow::testing::Demo;
using sendflow::testing::headerOf;
using sendflow::testing::RawSocket;
using sendflow::testing::statusOf;

namespace {

std::string formValue(const std::string& v) {
  std::string out;
  Poco::URI::encode(v, "!#$&'()*+,/:;=?@[]%\\\"<>^`{|}~ ", out);
  return out;
}

// Signs in with a raw POST whose `next` field is `next`; returns the raw response.
std::string signInWithNext(Demo& demo, const std::string& next) {
  Client c = demo.server.client();
  auto page = c.get("/login");
  const std::string token = Client::hiddenValue(page.body, "csrf");
  const auto& [email, password] = demo.logins.at("senco@" + std::string(Demo::kOak));
  const std::string body = "email=" + formValue(email) + "&password=" + formValue(password) +
                           "&csrf=" + token + "&next=" + formValue(next);
  RawSocket sock(demo.server.port());
  sock.send("POST /login HTTP/1.1\r\nHost: x\r\nCookie: sf_csrf=" + c.cookies()["sf_csrf"] +
            "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body);
  return sock.readResponse();
}

}  // namespace

TEST_CASE("sign-in's next is a known page of this site, never an injected header", "[web][http]") {
  Demo demo;
  const std::vector<std::string> hostile = {
      "/\r\nSet-Cookie: injected=1",
      "/\nSet-Cookie: injected=1",
      "/\rSet-Cookie: injected=1",
      std::string("/\0Set-Cookie: injected=1", 24),
      "/pupils\r\n\r\n<script>injected</script>",
      "//evil.example/",
      "/\\evil.example/",
      "https://evil.example/",
      "javascript:alert('injected')",
      "/no/such/page",
      "",
  };
  for (const auto& next : hostile) {
    INFO("next = " << next);
    const std::string got = signInWithNext(demo, next);
    const std::string head = got.substr(0, got.find("\r\n\r\n"));
    CHECK(statusOf(got) == 303);
    CHECK(headerOf(got, "Location") == "/");
    CHECK(head.find("injected") == std::string::npos);
    CHECK(head.find("evil") == std::string::npos);
  }
  // A page the route table knows keeps its query.
  CHECK(headerOf(signInWithNext(demo, "/admin/users?page=2"), "Location") == "/admin/users?page=2");

  // The sign-in page carries only a safe next into its form.
  Client c = demo.server.client();
  CHECK(Client::hiddenValue(c.get("/login?next=%2F%2Fevil.example").body, "next") == "/");
  CHECK(Client::hiddenValue(c.get("/login?next=%2F%0D%0ASet-Cookie:x").body, "next") == "/");
  CHECK(Client::hiddenValue(c.get("/login?next=%2Fadmin%2Fusers").body, "next") == "/admin/users");

  // A page that needs a session sends there with the whole address as one parameter.
  auto r = c.get("/admin/users?page=2&sort=name");
  CHECK(r.status == 303);
  Poco::URI location(r.headers["Location"]);
  CHECK(location.getPath() == "/login");
  REQUIRE(location.getQueryParameters().size() == 1);
  CHECK(location.getQueryParameters()[0].second == "/admin/users?page=2&sort=name");
}
